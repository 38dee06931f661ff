// A viewer-request function of the consuming app: adds a header from its
// synth-time config and passes the request on.
import config from "edgekit:config";

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers["x-greeting"] = [{ key: "X-Greeting", value: config.greeting }];
  return request;
};
