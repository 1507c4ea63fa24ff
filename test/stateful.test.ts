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

  it("needs a key", () => {
    expect(() => stateful(() => 1, { key: "" })).toThrow(/needs \{ key \}/);
  });
});
