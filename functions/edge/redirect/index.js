import config from "edgekit:config";
import { createHash } from "node:crypto";
import { x } from "../lib/placeholder.js";
export const handler = async (event) => ({ status: "200", body: createHash("sha256").update(JSON.stringify(config)).digest("hex") + x });
