// This package's own folder and version, found through its self-reference: kernel/ uses the package
// the way user code does.
import { createRequire } from "node:module";
import { dirname } from "node:path";

const require = createRequire(import.meta.url);
const manifest = require.resolve("hypernodes/package.json");

export const packageRoot = dirname(manifest);
export const version = (require(manifest) as { version: string }).version;
