// Builds the prebuilt (federated) extension into prebuilt/ with @jupyterlab/builder, offline.
// The builder reads JupyterLab's core metadata from `<core-path>/package.json`; npm publishes it as
// @jupyterlab/core-meta's core.package.json, so it is copied into a folder of its own first.
// Webpack takes ~20 s: it is skipped when no input changed since the last build (content hash).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(here, "prebuilt");
const stamp = join(output, ".inputs-sha1");

/** Every file webpack reads from this repository: the compiled extension, its style, the library. */
function inputsHash() {
  const hash = createHash("sha1");
  const files = ["lib", "style", "../dist"].flatMap((dir) =>
    readdirSync(join(here, dir), { recursive: true }).map((f) => join(dir, String(f))).filter((f) => f.endsWith(".js") || f.endsWith(".css")),
  );
  for (const file of [...files.sort(), "package.json", "webpack.config.js"]) hash.update(file).update(readFileSync(join(here, file)));
  return hash.digest("hex");
}

const inputs = inputsHash();
if (existsSync(stamp) && readFileSync(stamp, "utf8") === inputs) {
  console.log("labextension: prebuilt/ is up to date");
  process.exit(0);
}
const require = createRequire(join(here, "package.json"));
const corePath = join(here, "node_modules", ".core-meta");
mkdirSync(corePath, { recursive: true });
copyFileSync(require.resolve("@jupyterlab/core-meta/core.package.json"), join(corePath, "package.json"));
const builder = require.resolve("@jupyterlab/builder/lib/build-labextension.js");
const run = spawnSync(process.execPath, [builder, "--core-path", corePath, here], { stdio: ["ignore", "ignore", "inherit"] });
if (run.status !== 0) process.exit(run.status ?? 1);
writeFileSync(stamp, inputs);
console.log("labextension: built prebuilt/");
