// Reading and writing .ipynb files (nbformat 4.5) the way Jupyter writes them, so a run changes only
// outputs, execution counts and language_info in a notebook's diff.
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import type * as nbformat from "@jupyterlab/nbformat";

export class NotebookFormatError extends Error {
  override name = "NotebookFormatError";
}

/** Reads a v4 notebook and upgrades it to 4.5: every cell gets an id (existing ids are kept). */
export async function readNotebook(path: string): Promise<nbformat.INotebookContent> {
  let notebook: nbformat.INotebookContent;
  try {
    notebook = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new NotebookFormatError(`${path}: ${(error as Error).message}`);
  }
  if (notebook?.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new NotebookFormatError(`${path}: not an nbformat 4 notebook (nbformat ${notebook?.nbformat})`);
  }
  notebook.metadata ??= {};
  const ids = new Set<string>();
  for (const cell of notebook.cells) {
    while (typeof cell.id !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(cell.id) || ids.has(cell.id)) {
      cell.id = randomBytes(4).toString("hex"); // nbformat's own scheme: 8 hex digits
    }
    ids.add(cell.id);
  }
  notebook.nbformat_minor = Math.max(notebook.nbformat_minor ?? 0, 5);
  return notebook;
}

/** Writes through a temporary file so an interrupted write never leaves half a notebook. */
export async function writeNotebook(path: string, notebook: nbformat.INotebookContent): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(sortKeys(splitOutputLines(notebook)), null, 1)}\n`);
  await rename(temporary, path);
}

export function sourceText(cell: nbformat.ICell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** nbformat stores text outputs as lists of lines (text/*, SVG, JavaScript; never JSON MIME types). */
function splitOutputLines(notebook: nbformat.INotebookContent): nbformat.INotebookContent {
  const cells = notebook.cells.map((cell) => {
    if (cell.cell_type !== "code") return cell;
    const outputs = (cell as nbformat.ICodeCell).outputs.map((output) => {
      if (output.output_type === "stream") return { ...output, text: splitLines(output.text as nbformat.MultilineString) };
      if (!output.data) return output;
      const data = Object.fromEntries(
        Object.entries(output.data as nbformat.IMimeBundle).map(([mime, value]) => [
          mime,
          typeof value === "string" && (mime.startsWith("text/") || SPLIT_MIMES.has(mime)) ? splitLines(value) : value,
        ]),
      );
      return { ...output, data };
    });
    return { ...cell, outputs };
  });
  return { ...notebook, cells };
}

const SPLIT_MIMES = new Set(["image/svg+xml", "application/javascript"]);

function splitLines(text: nbformat.MultilineString): string[] {
  return Array.isArray(text) ? text : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

/** Jupyter writes keys sorted: stable diffs whatever order a kernel sent them in. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
