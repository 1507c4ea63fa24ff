// The `hypernodes-worker` CLI (bin/hypernodes-worker.js): `npx hypernodes-worker --module ./my-pipeline.js
// --redis redis://…` starts a BullMQEngine worker (bullmq-worker.ts) and runs until SIGINT/SIGTERM.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Worker } from "bullmq";
import { startPipelineWorker } from "./bullmq-worker.js";
import { messageOf } from "../../core/errors.js";
import { moduleUrl } from "../pipeline-module.js";
import { describeRedis } from "./bullmq-jobs.js";
import { redact } from "../../security/redaction.js";
import { SECRET_ENV } from "../../security/signing.js";

const USAGE = `Usage: hypernodes-worker --module <path or URL> [--redis-file path | --redis redis://host:port] [--secret-file path]
                         [--queue name] [--concurrency n] [--lock-duration ms]
Runs the map items that BullMQEngine queues for the pipelines the module exports.
Redis: --redis-file (a file holding the URL), else --redis, else $REDIS_URL, else redis://127.0.0.1:6379;
  REDIS_URL is set to it before the module loads. A password in --redis shows in \`ps\` to every user
  of the machine: give it in $REDIS_URL or --redis-file.
Secret: --secret-file (a file holding it), else $${SECRET_ENV}; the same as the callers'. Jobs run only
  when signed with it, results go back signed; ${SECRET_ENV} is set to it before the module loads
  (its KeyvCache signs with it too). Without one, anyone who can write to Redis can queue jobs.`;

/** How long a stopping worker waits for its running job and for Redis before it exits. */
const STOP_GRACE_MS = 10_000;

/** The CLI: starts a worker and runs until SIGINT/SIGTERM. Returns the exit code when it cannot start. */
export async function main(argv: string[]): Promise<number | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        module: { type: "string" },
        redis: { type: "string" },
        "redis-file": { type: "string" },
        "secret-file": { type: "string" },
        queue: { type: "string" },
        concurrency: { type: "string" },
        "lock-duration": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    console.error(redact(`${messageOf(error)}\n${USAGE}`));
    return 2;
  }
  if (values.help || !values.module) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const concurrency = positive(values.concurrency);
  const lockDuration = positive(values["lock-duration"]);
  if (Number.isNaN(concurrency) || Number.isNaN(lockDuration)) {
    console.error(`--concurrency and --lock-duration take positive integers\n${USAGE}`);
    return 2;
  }
  let redis: string;
  let secret: string | undefined;
  if (values.redis !== undefined && values["redis-file"] !== undefined) {
    console.error(`--redis and --redis-file both say where Redis is: give one\n${USAGE}`);
    return 2;
  }
  try {
    redis = values["redis-file"] ? readSecretFile(values["redis-file"], "--redis-file") : (values.redis ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    secret = values["secret-file"] ? readSecretFile(values["secret-file"], "--secret-file") : undefined;
  } catch (error) {
    log(messageOf(error));
    return 2;
  }
  if (values.redis !== undefined && redact(values.redis) !== values.redis) {
    log(`warning: the password in --redis shows in \`ps\` to every user of this machine; give the URL in $REDIS_URL or --redis-file`);
  }
  process.env.REDIS_URL = redis;
  if (secret !== undefined) process.env[SECRET_ENV] = secret;
  let worker: Worker;
  try {
    worker = await startPipelineWorker({
      module: values.module,
      connection: redis,
      queue: values.queue,
      concurrency,
      lockDuration,
      secret,
    });
  } catch (error) {
    log(messageOf(error));
    return 1;
  }
  worker.on("failed", (job, error) => log(`job ${job?.id} failed: ${error.message}`));
  worker.on("error", (error) => log(error.message));
  try {
    await worker.waitUntilReady();
  } catch (error) {
    log(messageOf(error));
    return 1;
  }
  log(`serving ${moduleUrl(values.module)} on queue '${worker.name}' at ${describeRedis(redis)}`);
  // One signal stops it: the running job may finish (its result sent) for up to STOP_GRACE_MS; with
  // Redis unreachable, closing would wait for it forever, so the worker exits then anyway (the job's
  // lock expires and another worker takes it).
  const stop = () => {
    log("stopping");
    const grace = setTimeout(() => process.exit(0), STOP_GRACE_MS);
    void worker.close().finally(() => {
      clearTimeout(grace);
      process.exit(0);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return undefined;
}

/** A line on stderr; whatever it quotes (Redis, a node's error), no password of a URL shows. */
function log(line: string): void {
  console.error(redact(`hypernodes-worker: ${line}`));
}

/** A file's content without its final line breaks (as `echo … > file` writes it, as `$(cat file)` reads it); an empty one is refused. */
function readSecretFile(path: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/[\r\n]+$/, "");
  } catch (error) {
    throw new Error(`${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`);
  }
  if (!text) throw new Error(`${option}: ${path} is empty`);
  return text;
}

/** An option's positive integer (undefined when not given, NaN when not such a number). */
function positive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : NaN;
}
