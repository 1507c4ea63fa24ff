// tslab compiles a name declared in an earlier cell to `exports.name`, but not in a shorthand property:
// `new Pipeline({ nodes, cache })`, with `cache` from an earlier cell, ran as `{ nodes, cache }` and
// failed with "cache is not defined". Cells are run with every shorthand property spelled out
// (`{ cache: cache }`, which means the same), so tslab's rewrite applies. Spelling them all out, not
// only earlier cells' names, also keeps a function's compiled text (and so its code hash) the same
// whichever cell declared the names it uses.
import { tslab } from "./tslab.js";

export function expandShorthandProperties(code: string): string {
  // tslab's TypeScript fork is untyped here.
  const ts = tslab.typescript as any;
  const names: { start: number; end: number }[] = [];
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node: any): void => {
    if (ts.isShorthandPropertyAssignment(node)) names.push({ start: node.name.getStart(source), end: node.name.end });
    ts.forEachChild(node, visit);
  };
  visit(source);
  let expanded = code;
  // From the last, so earlier positions stay valid. A destructuring default `{ a = 1 } = x` becomes `{ a: a = 1 } = x`.
  for (const { start, end } of names.reverse()) {
    expanded = `${expanded.slice(0, end)}: ${code.slice(start, end)}${expanded.slice(end)}`;
  }
  return expanded;
}
