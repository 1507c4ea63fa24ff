import { afterEach, describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline, registerModuleObject, setPipelineDefaults, unregisterModuleObject } from "hypernodes";

/** Cells compiled the way tslab does: names from earlier cells read `exports.name`. */
const cell = (exports: Record<string, unknown>, body: string) => new Function("exports", body)(exports);

const registered: object[] = [];
const cellExports = (values: Record<string, unknown> = {}) => {
  registerModuleObject(values);
  registered.push(values);
  return values;
};

afterEach(() => {
  for (const object of registered.splice(0)) unregisterModuleObject(object);
  setPipelineDefaults({ cache: undefined, callbacks: [] });
});

describe("bindings read from a notebook's cells", () => {
  it("editing a constant or a helper in its cell invalidates exactly the nodes that read it", async () => {
    const exports = cellExports();
    exports.k = 2;
    exports.shout = cell(exports, "return function shout(s) { return s.toUpperCase(); }");
    const calls = { scale: 0, label: 0, other: 0 };
    (globalThis as { calls?: typeof calls }).calls = calls;
    const scale = node(cell(exports, "return function scale(x) { globalThis.calls.scale++; return x * exports.k; }"), { outputName: "y" });
    const label = node(cell(exports, "return function label(y) { globalThis.calls.label++; return exports.shout('v' + y); }"), { outputName: "text" });
    const other = node(cell(exports, "return function other(x) { globalThis.calls.other++; return -x; }"), { outputName: "neg" });
    const p = new Pipeline({ nodes: [scale, label, other], cache: new MemoryCache() });
    const run = () => p.run({ x: 5 });
    const fixedCalls = () => ({ ...calls });

    expect(await run()).toMatchObject({ y: 10, text: "V10", neg: -5 });
    await run();
    expect(fixedCalls()).toEqual({ scale: 1, label: 1, other: 1 });

    exports.k = 3; // the constant's cell re-run with a new value
    expect(await run()).toMatchObject({ y: 15, text: "V15", neg: -5 });
    expect(fixedCalls()).toEqual({ scale: 2, label: 2, other: 1 });

    exports.shout = cell(exports, "return function shout(s) { return s.toLowerCase(); }"); // the helper edited
    expect(await run()).toMatchObject({ y: 15, text: "v15" });
    expect(fixedCalls()).toEqual({ scale: 2, label: 3, other: 1 });
  });

  it("a function hashes the same whether its helper was declared in an earlier cell or its own", () => {
    const exports = cellExports({ k: 2 });
    const earlier = node(cell(exports, "return function scale(x) { return x * exports.k; }"), { outputName: "y" });
    const sameCell = node(cell(exports, "const k = 2; return function scale(x) { return x * k; }"), { outputName: "y" });
    expect(sameCell.codeHash).toBe(earlier.codeHash);
  });

  it("folds `name.member` only for a module object, whatever the name looks like", () => {
    // `model_1` is spelled like tslab's import alias, but it is a plain object in a closure.
    const make = new Function("model_1", "return (x) => x * model_1.scale");
    const two = node(make({ scale: 2 }), { outputName: "y" });
    const three = node(make({ scale: 3 }), { outputName: "y" });
    expect(two.codeHash).not.toBe(three.codeHash);
    const exports = cellExports({ scale: 2 });
    const viaModule = node(cell(exports, "return (x) => x * exports.scale"), { outputName: "y" });
    const viaPlain = node(make({ scale: 2 }), { outputName: "y" });
    // `exports.scale` is the binding `scale`; `model_1.scale` stays a member of an object.
    expect(viaModule.codeHash).not.toBe(viaPlain.codeHash);
  });
});

describe("pipeline defaults", () => {
  it("pipelines created without a cache use the default one (the kernel's DiskCache)", async () => {
    const cache = new MemoryCache();
    setPipelineDefaults({ cache });
    let runs = 0;
    const counted = node((x: number) => (runs++, x), { outputName: "y", name: "counted" });
    await new Pipeline({ nodes: [counted] }).run({ x: 1 });
    await new Pipeline({ nodes: [counted] }).run({ x: 1 });
    expect(runs).toBe(1);
    expect(new Pipeline({ nodes: [counted], cache: new MemoryCache() }).cache).not.toBe(cache);
  });
});
