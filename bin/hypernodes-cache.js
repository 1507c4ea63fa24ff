#!/usr/bin/env node
// `npx hypernodes-cache stats|prune|clear [--path DIR] [--max-bytes N] [--older-than 30d]`: a DiskCache from a shell.
import { main } from "../dist/cache/cache-cli.js";

process.exitCode = await main(process.argv.slice(2));
