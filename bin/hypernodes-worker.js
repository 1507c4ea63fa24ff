#!/usr/bin/env node
// `npx hypernodes-worker --module ./my-pipeline.js --redis redis://…`: runs BullMQEngine's jobs.
import { main } from "../dist/engines/bullmq/worker-cli.js";

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
