import { describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline, stateful, Stateful } from "hypernodes";

describe("stateful resources", () => {
  it("are created lazily once per process, reused across items and calls, and hashed by key", async () => {
    let loads = 0;
    class Model {
      weights = [2];
      predict(x: number) {
        return x * this.weights[0]!;
      }
    }
    const model = stateful(
      async () => {
        loads++;
        return new Model();
      },
      { key: "model@v1" },
    );
    let predictions = 0;
    const predict = node(
      (text: number, model: Model) => {
        predictions++;
        return model.predict(text);
      },
      { outputName: "score", name: "predict" },
    );
    const p = new Pipeline({ nodes: [predict], cache: new MemoryCache() }).bind({ model });
    expect(loads).toBe(0);
    expect((await p.map({ text: [1, 2, 3] }, { mapOver: "text" })).map((r) => r.score)).toEqual([2, 4, 6]);
    expect(loads).toBe(1);
    // The live model changes state; the key is what counts, so results stay cached.
    (await model.get()).weights[0] = 100;
    expect((await p.map({ text: [1, 2, 3] }, { mapOver: "text" })).map((r) => r.score)).toEqual([2, 4, 6]);
    expect(predictions).toBe(3);
    // A new key is a new resource and new signatures.
    p.bind({ model: stateful(() => new Model(), { key: "model@v2" }) });
    expect((await p.run({ text: 5 })).score).toBe(10);
    expect(predictions).toBe(4);
    Stateful.release("model@v1");
    Stateful.release("model@v2");
  });

  it("refuses an empty key", () => {
    expect(() => stateful(() => 1, { key: "" })).toThrow(/\{ key \} must be a non-empty string/);
  });

  it("are another resource when the same key comes with another factory (another secret)", async () => {
    // Two cells (or two versions of a script) declaring the resource with different settings.
    const client = (secret: string) => stateful(() => ({ auth: secret }), { key: "api" });
    const a = client("s3cret-A");
    const b = client("s3cret-B");
    expect(a.cacheKey()).not.toBe(b.cacheKey());
    expect((await a.get()).auth).toBe("s3cret-A");
    expect((await b.get()).auth).toBe("s3cret-B");
    // The same key and an equal factory is the same resource, created once.
    let made = 0;
    const make = (path: string) =>
      stateful(
        () => {
          made++; // only counted: not part of what the factory computes
          return { path };
        },
        { key: "model" },
      );
    expect(await make("m.bin").get()).toBe(await make("m.bin").get());
    expect(made).toBe(1);
    Stateful.release("api");
    Stateful.release("model");
  });

  it("need no key when the factory's code identifies them", async () => {
    const load = (path: string) => stateful(() => ({ path }));
    expect(load("a.bin").cacheKey()).toBe(load("a.bin").cacheKey());
    expect(load("a.bin").cacheKey()).not.toBe(load("b.bin").cacheKey());
    expect((await load("b.bin").get()).path).toBe("b.bin");
  });

  it("without a key, refuse a factory that reads what cannot be hashed, naming it", () => {
    const live = new WeakMap();
    expect(() => stateful(() => live.has({}))).toThrow(/cannot be identified by its code.*WeakMap.*give it a \{ key \}/s);
    // With a key, the key stands for it.
    expect(stateful(() => live.has({}), { key: "weak" }).cacheKey()).toBe("stateful:weak");
  });
});
