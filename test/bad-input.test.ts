// Bad input is named before any node runs: each case asserts the error's class and that its message
// names the culprit (the option, what it got, what it takes) — never a raw TypeError from inside.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Keyv from "keyv";
import {
  BullMQEngine,
  ConcurrentEngine,
  DiskCache,
  HyperNodesError,
  KeyvCache,
  MappingError,
  MemoryCache,
  node,
  NodeDefinitionError,
  Pipeline,
  ProgressCallback,
  SequentialEngine,
  setPipelineDefaults,
  UnhashableValueError,
  UnknownInputError,
  WorkerEngine,
} from "hypernodes";

const double = node((x: number) => x * 2, { outputName: "doubled" });

describe("node() options", () => {
  it.each([
    [{ outputName: 5 }, "node(anonymous): option outputName must be a string or a list of strings, got 5"],
    [{ outputName: "y", deps: "abc" }, 'option deps must be a list of values, got "abc"'],
    [{ outputName: "y", cache: "abc" }, 'option cache must be true or false, got "abc"'],
    [{ outputName: "y", inputs: "abc" }, 'option inputs must be a list of input names, got "abc"'],
    [{ outputName: "y", name: 3 }, "option name must be a non-empty string, got 3"],
    [{ outputName: "y", version: 2 }, "option version must be a string, got 2"],
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
    [{ nodes: [double], cache: "abc" }, "new Pipeline: option cache must be a Cache (DiskCache, MemoryCache, KeyvCache, or your own), got \"abc\""],
    [{ nodes: [double], engine: {} }, "new Pipeline: option engine must be an engine (with run and map methods), got Object"],
    [{ nodes: [double], callbacks: [null] }, "new Pipeline: option callbacks[0] must be a callback object (a PipelineCallback, or an object of on… methods), got null"],
    [{ nodes: [double], callbacks: {} }, "option callbacks must be a list of callbacks, got Object"],
    [{ nodes: [double], name: 1 }, "option name must be a string, got 1"],
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

  it("unbind: names no node reads, and names that are not strings", () => {
    expect(() => p().unbind("y")).toThrow(UnknownInputError);
    expect(() => p().unbind("y")).toThrow("unbind: unknown input 'y': no node of pipeline 'pipeline' reads it (its inputs: 'x')");
    expect(() => p().unbind(5 as never)).toThrow("unbind: input must be a non-empty string, got number");
  });
});

describe("asNode options", () => {
  const inner = new Pipeline({ nodes: [double], name: "inner" });
  it.each([
    [5, "asNode: options must be an object, got number"],
    [{ name: 5 }, "asNode: option name must be a non-empty string, got 5"],
    [{ inputMapping: "x" }, 'asNode: option inputMapping must be an object of outer name → inner input name, got "x"'],
    [{ inputMapping: { a: 5 } }, "asNode: inputMapping 'a' → must be a non-empty string, got number"],
    [{ outputMapping: { doubled: "__proto__" } }, "asNode: outputMapping 'doubled' → '__proto__' is reserved"],
    [{ mapOver: 5 }, "asNode: option mapOver must be a non-empty string or a list of input names, got 5"],
    [{ mapOver: "x", mapMode: "cross" }, 'asNode: option mapMode must be "zip" or "product", got "cross"'],
    [{ cache: "yes" }, 'asNode: option cache must be true or false, got "yes"'],
    [{ outputName: "z" }, "asNode: unknown option 'outputName'"],
    [{ mapover: "x" }, "asNode: unknown option 'mapover' (did you mean 'mapOver'?)"],
  ])("%j is refused: %s", (options, message) => {
    expect(() => inner.asNode(options as never)).toThrow(MappingError);
    expect(() => inner.asNode(options as never)).toThrow(message);
  });
});

describe("caches, engines, progress, visualize and defaults", () => {
  it.each([
    ["new DiskCache('x')", () => new DiskCache("x" as never), "new DiskCache: options must be an object, got string"],
    ["DiskCache path", () => new DiskCache({ path: 5 as never }), "new DiskCache: option path must be a non-empty string, got 5"],
    ["DiskCache unknown", () => new DiskCache({ maxbytes: 1 } as never), "new DiskCache: unknown option 'maxbytes' (did you mean 'maxBytes'?)"],
    ["DiskCache salt", () => new DiskCache({ salt: 5 as never }), "new DiskCache: option salt must be a string, got 5"],
    ["MemoryCache option", () => new MemoryCache({ maxEntries: 10 } as never), "new MemoryCache: unknown option 'maxEntries'"],
    ["KeyvCache without Keyv", () => new KeyvCache({} as never), "new KeyvCache(keyv) needs a Keyv instance (new Keyv(store)), got Object"],
    ["KeyvCache unknown", () => new KeyvCache(new Keyv(), { ttl: 5 } as never), "new KeyvCache: unknown option 'ttl'"],
    ["KeyvCache storeTimeout", () => new KeyvCache(new Keyv(), { storeTimeout: -1 }), "cache option storeTimeout must be a number of at least 0, got -1"],
    ["SequentialEngine unknown", () => new SequentialEngine({ concurrency: 2 } as never), "new SequentialEngine: unknown option 'concurrency'"],
    ["ConcurrentEngine size", () => new ConcurrentEngine({ maxConcurrency: 1.5 }), "new ConcurrentEngine: option maxConcurrency must be a positive integer, got 1.5"],
    ["ConcurrentEngine size as text", () => new ConcurrentEngine({ maxConcurrency: "4" as never }), 'new ConcurrentEngine: option maxConcurrency must be a positive integer, got "4"'],
    ["ConcurrentEngine typo", () => new ConcurrentEngine({ maxConcurency: 4 } as never), "new ConcurrentEngine: unknown option 'maxConcurency' (did you mean 'maxConcurrency'?)"],
    ["WorkerEngine workers", () => new WorkerEngine({ workers: 0 }), "new WorkerEngine: option workers must be a positive integer, got 0"],
    ["WorkerEngine module", () => new WorkerEngine({ module: 5 as never }), "new WorkerEngine: option module must be a non-empty string or a URL or a list of module paths or URLs, got 5"],
    ["WorkerEngine unshippable", () => new WorkerEngine({ unshippable: "skip" as never }), 'new WorkerEngine: option unshippable must be "throw" or "main-thread", got "skip"'],
    ["BullMQEngine queue", () => new BullMQEngine({ connection: "redis://localhost", module: import.meta.url, queue: 5 as never }), "new BullMQEngine: option queue must be a non-empty string, got 5"],
    ["BullMQEngine itemsPerJob", () => new BullMQEngine({ connection: "redis://localhost", module: import.meta.url, itemsPerJob: 0 }), "new BullMQEngine: option itemsPerJob must be a positive integer, got 0"],
    ["ProgressCallback unknown", () => new ProgressCallback({ enabled: false } as never), "new ProgressCallback: unknown option 'enabled' (did you mean 'enable'?)"],
    ["visualize unknown", () => new Pipeline({ nodes: [double] }).visualize({ orientation: "LR" } as never), "visualize: unknown option 'orientation' (did you mean 'orient'?)"],
    ["setPipelineDefaults unknown", () => setPipelineDefaults({ engines: [] } as never), "setPipelineDefaults: unknown option 'engines' (did you mean 'engine'?)"],
    ["setPipelineDefaults cache", () => setPipelineDefaults({ cache: "abc" as never }), 'setPipelineDefaults: option cache must be a Cache (DiskCache, MemoryCache, KeyvCache, or your own) or a function, got "abc"'],
  ])("%s", (_, make, message) => {
    expect(make).toThrow(HyperNodesError);
    expect(make).toThrow(message);
  });

  it("prune options", async () => {
    const cache = new DiskCache({ path: mkdtempSync(join(tmpdir(), "hn-bad-prune-")) });
    await expect(cache.prune({ olderThan: "1d" as never })).rejects.toThrow('prune: option olderThan must be a number of at least 0, got "1d"');
    await cache.close();
  });
});
