#!/usr/bin/env node
// `npx hypernodes-run notebook.ipynb [-o out.ipynb]`: executes a notebook headless on our kernel.
import { main } from "../dist/run-cli.js";

process.exitCode = await main(process.argv.slice(2));
