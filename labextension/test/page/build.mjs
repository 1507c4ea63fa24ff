// Bundles the renderers' test page with esbuild (about a second) into a temporary folder: used by
// the renderers' browser tests and by `npm run bench`.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Returns the page's index.html path. */
export async function buildTestPage() {
  const dir = await mkdtemp(join(tmpdir(), "hypernodes-renderers-"));
  await build({
    entryPoints: [fileURLToPath(new URL("./entry.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    outdir: dir,
    loader: { ".svg": "text", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".eot": "dataurl" },
    // The library's browser-safe entry, as the lab build aliases it (labextension/webpack.config.js).
    alias: { "hypernodes/browser": fileURLToPath(new URL("../../../src/browser.ts", import.meta.url)) },
    logLevel: "error",
  });
  const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="entry.css"></head>
<body data-jp-theme-light="true" style="font-family: sans-serif"><div id="root"></div><script src="entry.js"></script></body></html>`;
  await writeFile(join(dir, "index.html"), html);
  return join(dir, "index.html");
}
