"use strict";
// edgekit serve: one Lambda container (mode "lambda") or the CloudFront
// Functions runtime (mode "cff") in a long-lived Node.js process.
//
// Requests arrive as JSON lines on stdin; replies leave as JSON lines on
// file descriptor 3, so the function's own stdout and stderr stay its logs
// (serve prints them). Lambda mode loads the handler at start (the cold
// start's init phase) and runs one invocation at a time, as a Lambda
// execution environment does; serve keeps a pool of these processes.
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const util = require("node:util");
const vm = require("node:vm");

const reply = fs.createWriteStream(null, { fd: 3 });
const send = (msg) => {
  let line;
  try {
    line = JSON.stringify(msg);
  } catch (err) {
    line = JSON.stringify({ id: msg.id, error: { errorType: "Runtime.ResponseSerializationError", errorMessage: String(err && err.message) } });
  }
  reply.write(line + "\n");
};

const [, , mode, ...args] = process.argv;
let current = "";

// Lambda's Node.js runtime prefixes every console line with the time, the
// request id and the level; serve shows the same lines.
for (const [method, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"], ["debug", "DEBUG"], ["trace", "TRACE"]]) {
  console[method] = (...a) => {
    const text = util.format(...a).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${current || "undefined"}\t${level}\t${text}\n`);
  };
}

function errorOf(err) {
  if (err instanceof Error) {
    return { errorType: err.name || "Error", errorMessage: String(err.message), trace: String(err.stack || "").split("\n").slice(0, 12) };
  }
  return { errorType: "Error", errorMessage: typeof err === "string" ? err : util.inspect(err) };
}

if (mode === "lambda") lambdaMode(...args);
else if (mode === "cff") cffMode();
else {
  process.stderr.write(`harness: unknown mode ${mode}\n`);
  process.exit(2);
}

async function lambdaMode(dir, handlerSpec) {
  const started = process.hrtime.bigint();
  let handler;
  try {
    const dot = handlerSpec.lastIndexOf(".");
    const modName = handlerSpec.slice(0, dot);
    const exportName = handlerSpec.slice(dot + 1);
    let file = null;
    for (const ext of [".js", ".mjs", ".cjs"]) {
      const f = path.join(dir, modName + ext);
      if (fs.existsSync(f)) {
        file = f;
        break;
      }
    }
    if (file === null) throw Object.assign(new Error(`Cannot find module '${modName}'`), { name: "Runtime.ImportModuleError" });
    let mod;
    if (file.endsWith(".mjs")) mod = await import(file);
    else {
      try {
        mod = require(file);
      } catch (err) {
        if (err && err.code === "ERR_REQUIRE_ESM") mod = await import(file);
        else throw err;
      }
    }
    handler = mod[exportName] ?? (mod.default && mod.default[exportName]);
    if (typeof handler !== "function") {
      throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
    }
  } catch (err) {
    send({ init: true, error: errorOf(err) });
    // Lambda reports the init error and discards the environment.
    setTimeout(() => process.exit(1), 10);
    return;
  }
  send({ init: true, initMs: Number(process.hrtime.bigint() - started) / 1e6 });

  process.on("uncaughtException", (err) => {
    send({ id: inflight, error: { ...errorOf(err), errorType: "Runtime.UnhandledException" }, fatal: true });
    setTimeout(() => process.exit(129), 10);
  });
  process.on("unhandledRejection", (err) => {
    send({ id: inflight, error: { ...errorOf(err), errorType: "Runtime.UnhandledPromiseRejection" }, fatal: true });
    setTimeout(() => process.exit(128), 10);
  });

  let inflight = null;
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line === "") continue;
    const req = JSON.parse(line);
    inflight = req.id;
    current = req.requestId;
    const deadline = req.deadline;
    let settled = false;
    const finish = (msg) => {
      if (settled) return;
      settled = true;
      send(msg);
    };
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: req.functionName,
      functionVersion: req.functionVersion,
      invokedFunctionArn: req.invokedFunctionArn,
      memoryLimitInMB: String(req.memoryLimitInMB),
      awsRequestId: req.requestId,
      logGroupName: req.logGroupName,
      logStreamName: req.logStreamName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: (err, value) => (err ? finish({ id: req.id, error: errorOf(err) }) : finish({ id: req.id, result: value ?? null })),
      succeed: (value) => finish({ id: req.id, result: value ?? null }),
      fail: (err) => finish({ id: req.id, error: errorOf(err) }),
    };
    try {
      const result = await new Promise((resolve, reject) => {
        const callback = (err, value) => (err ? reject(err) : resolve(value));
        const r = handler(req.event, context, callback);
        if (r && typeof r.then === "function") r.then(resolve, reject);
        else if (handler.length < 3) resolve(r);
      });
      finish({ id: req.id, result: result === undefined ? null : result });
    } catch (err) {
      finish({ id: req.id, error: errorOf(err) });
    }
    current = "";
  }
}

// CloudFront Functions: each function's code runs in its own vm context
// with the JavaScript runtime's small library (crypto, querystring, Buffer
// in 2.0); no network, timers or file system, and a time budget.
function cffMode() {
  const functions = new Map();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", async (line) => {
    if (line === "") return;
    const req = JSON.parse(line);
    if (req.load) {
      try {
        const { name, code, runtime } = req.load;
        const allowed = { crypto: require("node:crypto"), querystring: require("node:querystring") };
        const sandbox = {
          console: { log: (...a) => process.stdout.write(`${new Date().toISOString()}\t${name}\tINFO\t${util.format(...a)}\n`) },
          require: (m) => {
            if (Object.hasOwn(allowed, m)) return allowed[m];
            if (m === "cloudfront") throw new Error("the cloudfront module (KeyValueStore) is not available locally");
            throw new Error(`Cannot find module '${m}'`);
          },
        };
        if (runtime === "cloudfront-js-2.0") sandbox.Buffer = Buffer;
        const ctx = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
        new vm.Script(code, { filename: name + ".js" }).runInContext(ctx, { timeout: 1000 });
        const handler = vm.runInContext("typeof handler === 'function' ? handler : undefined", ctx);
        if (typeof handler !== "function") throw new Error("the code defines no function handler(event)");
        functions.set(name, { handler, ctx });
        send({ id: req.id, result: true });
      } catch (err) {
        send({ id: req.id, error: errorOf(err) });
      }
      return;
    }
    const fn = functions.get(req.fn);
    if (!fn) {
      send({ id: req.id, error: { errorType: "FunctionNotFound", errorMessage: req.fn } });
      return;
    }
    try {
      // Called directly (a vm timeout costs a watchdog thread per call):
      // a runaway function is stopped by serve, which restarts this runtime.
      const started = process.hrtime.bigint();
      let result = fn.handler(req.event);
      if (result && typeof result.then === "function") {
        result = await Promise.race([result, new Promise((_, rej) => setTimeout(() => rej(new Error("execution timed out")), req.timeoutMs))]);
      }
      send({ id: req.id, result: result === undefined ? null : result, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    } catch (err) {
      send({ id: req.id, error: errorOf(err) });
    }
  });
}
