// Bad input is named before any node runs: each case asserts the error's class and that its message
// names the culprit (the option, what it got, what it takes) — never a raw TypeError from inside.
import { describe, expect, it } from "vitest";
import { ConcurrentEngine, HyperNodesError, MemoryCache, node, NodeDefinitionError, Pipeline, UnhashableValueError, UnknownInputError } from "hypernodes";

const double = node((x: number) => x * 2, { outputName: "doubled" });

describe("node() options", () => {
  it.each([
    [{ outputName: 5 }, "node(anonymous): option outputName must be a string or a list of strings, got number"],
    [{ outputName: "y", deps: "abc" }, "option deps must be a list of values, got string"],
    [{ outputName: "y", cache: "abc" }, "option cache must be true or false, got string"],
    [{ outputName: "y", inputs: "abc" }, "option inputs must be a list of input names, got string"],
    [{ outputName: "y", name: 3 }, "option name must be a non-empty string, got number"],
    [{ outputName: "y", version: 2 }, "option version must be a string, got number"],
    [{ outputName: "y", outputname: "z" }, "unknown option 'outputname' (did you mean 'outputName'?)"],
    [{ outputName: "__proto__" }, "outputName '__proto__' is reserved"],
    [{ outputName: ["a", "constructor"] }, "outputName 'constructor' is reserved"],
    [{ outputName: "y", inputs: ["prototype"] }, "input 'prototype' is reserved"],
    [{ outputName: "y", inputs: [""] }, "input must be a non-empty string, got string"],
    [{ outputName: "y", batch: (xs: number[]) => xs, batchSize: 0 }, "batchSize must be a positive integer, got 0"],
    [{ outputName: "y", timeout: -1 }, "timeout must be a positive number of milliseconds, got -1"],
    ["y", "options must be an object, got string"],
  ])("%j is refused: %s", (options, message) => {
    const make = () => node((x: number) => x, options as never);
    expect(make).toThrow(NodeDefinitionError);
    expect(make).toThrow(message);
  });

  it("a parameter named __proto__ is refused; a class is named as a class", () => {
    expect(() => node(new Function("__proto__", "return 1") as (p: unknown) => number, { outputName: "y" })).toThrow("input '__proto__' is reserved");
    expect(() => node(class A {} as never, { outputName: "y" })).toThrow("node() expects a function, got the class 'A'");
    expect(() => node(null as never)).toThrow("node() expects a function, got null");
  });
});

describe("Pipeline options", () => {
  it.each([
    [{ nodes: [double], cache: "abc" }, "new Pipeline: option cache must be a Cache (DiskCache, MemoryCache, KeyvCache, or your own), got string"],
    [{ nodes: [double], engine: {} }, "new Pipeline: option engine must be an engine (with run and map methods), got Object"],
    [{ nodes: [double], callbacks: [null] }, "new Pipeline: option callbacks[0] must be a callback object (a PipelineCallback, or an object of on… methods), got null"],
    [{ nodes: [double], callbacks: {} }, "option callbacks must be a list of callbacks, got Object"],
    [{ nodes: [double], name: 1 }, "option name must be a string, got number"],
    [{ nodes: [double], cachesalt: "v2" }, "new Pipeline: unknown option 'cachesalt' (did you mean 'cacheSalt'?)"],
  ])("%j is refused: %s", (options, message) => {
    expect(() => new Pipeline(options as never)).toThrow(HyperNodesError);
    expect(() => new Pipeline(options as never)).toThrow(message);
  });
});

describe("run, map and bind", () => {
  const p = () => new Pipeline({ nodes: [double], cache: new MemoryCache() });

  it("inputs that are not an object of named values", async () => {
    await expect(p().run("abc" as never)).rejects.toThrow("run: inputs must be an object of named values, got string");
    await expect(p().map([1, 2] as never, { mapOver: "x" })).rejects.toThrow("map: inputs must be an object of named values, got an array");
    expect(() => p().bind("abc" as never)).toThrow("bind: inputs must be an object of named values, got string");
    expect(() => p().bind(null as never)).toThrow("bind: inputs must be an object of named values, got null");
  });

  it("unknown inputs, and bound names no node reads", async () => {
    await expect(p().run({ x: 1, X: 2 })).rejects.toThrow(UnknownInputError);
    expect(() => p().bind({ y: 1 })).toThrow("bind: unknown input 'y'");
  });

  it("unknown and bad options", async () => {
    await expect(p().run({ x: 1 }, { outputname: "doubled" } as never)).rejects.toThrow("run: unknown option 'outputname' (did you mean 'outputName'?)");
    await expect(p().map({ x: [1] }, { mapOver: "x", mapmode: "product" } as never)).rejects.toThrow("map: unknown option 'mapmode' (did you mean 'mapMode'?)");
    await expect(p().run({ x: 1 }, { engine: {} as never })).rejects.toThrow("run/map option engine must be an engine (with run and map methods), got Object");
    await expect(p().run({ x: 1 }, { extraInputs: "warn" as never })).rejects.toThrow(`run option extraInputs must be "error" or "ignore", got "warn"`);
  });

  it("an input whose getter throws while hashed names the input and the path", async () => {
    const read = node((config: { a: { b: number } }) => 1, { outputName: "one" });
    const config = { a: Object.defineProperty({}, "b", { enumerable: true, get: () => { throw new Error("no access"); } }) };
    const error = await new Pipeline({ nodes: [read], cache: new MemoryCache() }).run({ config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhashableValueError);
    expect((error as Error).message).toBe("Cannot hash input 'config' at config.a: reading it threw Error: no access");
  });

  it("engine sizes", () => {
    for (const bad of [0, -1, 1.5, "4"]) expect(() => new ConcurrentEngine({ maxConcurrency: bad as number })).toThrow("maxConcurrency must be a positive integer");
  });
});
