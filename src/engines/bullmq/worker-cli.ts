// The `hypernodes-worker` CLI (bin/hypernodes-worker.js): `npx hypernodes-worker --module ./my-pipeline.js
// --redis redis://…` starts a BullMQEngine worker (bullmq-worker.ts) and runs until SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import type { Worker } from "bullmq";
import { startPipelineWorker } from "./bullmq-worker.js";
import { messageOf } from "../../core/errors.js";
import { moduleUrl } from "../pipeline-module.js";
import { describeRedis } from "./bullmq-jobs.js";

const USAGE = `Usage: hypernodes-worker --module <path or URL> [--redis redis://host:port] [--queue name] [--concurrency n] [--lock-duration ms]
Runs the map items that BullMQEngine queues for the pipelines the module exports.
--redis defaults to $REDIS_URL, else redis://127.0.0.1:6379; REDIS_URL is set to it before the module loads.`;

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
        queue: { type: "string" },
        concurrency: { type: "string" },
        "lock-duration": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    console.error(`${messageOf(error)}\n${USAGE}`);
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
  const redis = values.redis ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  process.env.REDIS_URL = redis;
  let worker: Worker;
  try {
    worker = await startPipelineWorker({
      module: values.module,
      connection: redis,
      queue: values.queue,
      concurrency,
      lockDuration,
    });
  } catch (error) {
    console.error(`hypernodes-worker: ${messageOf(error)}`);
    return 1;
  }
  worker.on("failed", (job, error) => console.error(`hypernodes-worker: job ${job?.id} failed: ${error.message}`));
  worker.on("error", (error) => console.error(`hypernodes-worker: ${error.message}`));
  await worker.waitUntilReady();
  console.error(`hypernodes-worker: serving ${moduleUrl(values.module)} on queue '${worker.name}' at ${describeRedis(redis)}`);
  // One signal stops it: the running job may finish (its result sent) for up to STOP_GRACE_MS; with
  // Redis unreachable, closing would wait for it forever, so the worker exits then anyway (the job's
  // lock expires and another worker takes it).
  const stop = () => {
    console.error("hypernodes-worker: stopping");
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

/** An option's positive integer (undefined when not given, NaN when not such a number). */
function positive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : NaN;
}
