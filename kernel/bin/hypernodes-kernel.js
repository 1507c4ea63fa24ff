#!/usr/bin/env node
// `npx hypernodes-kernel install|uninstall|start`: the HyperNodes (TypeScript) Jupyter kernel.
import { main } from "../dist/cli.js";

await main(process.argv.slice(2));
