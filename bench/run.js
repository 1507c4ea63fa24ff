// `npm run bench`: prints per-node overheads and cache throughput for the workloads the issues name.
import { benchBatch } from "./batch.js";
import { benchCache } from "./cache.js";
import { benchCalls } from "./calls.js";
import { benchCodeIdentity } from "./code-identity.js";
import { benchCore } from "./core.js";
import { benchDistributed } from "./distributed.js";
import { benchEngines } from "./engines.js";
import { benchKernel } from "./kernel.js";
import { benchLab } from "./lab.js";
import { benchProgress } from "./progress.js";
import { benchSigning } from "./signing.js";
import { benchTelemetry } from "./telemetry.js";
import { benchViz } from "./viz.js";

// Shared stores (the @keyv/sqlite comparison, BullMQ's Redis) signed, as a team runs them; the worker processes inherit it.
process.env.HYPERNODES_SECRET ??= "bench secret";
console.log(`HyperNodes benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await benchCore();
await benchCalls();
await benchCodeIdentity();
// Cache workloads early, before the heavier ones (telemetry, Graphviz, the kernel) grow the heap.
await benchCache();
await benchSigning();
await benchEngines();
await benchDistributed();
await benchBatch();
await benchProgress();
await benchTelemetry();
await benchViz();
await benchKernel();
await benchLab();
