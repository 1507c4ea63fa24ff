import { describe, expect, it } from "vitest";
import { node, NodeDefinitionError } from "hypernodes";

describe("node() reads inputs with a real parser", () => {
  it("handles defaults holding commas, parentheses, strings and arrow functions", () => {
    const n = node(
      (text: string, sep = ",", pick = (a: number, b: number) => Math.max(a, b), opts = { a: [1, 2], b: "x)" }) =>
        `${text}${sep}${pick(1, 2)}${opts.b}`,
      { outputName: "joined" },
    );
    expect(n.rootArgs).toEqual(["text", "sep", "pick", "opts"]);
    expect([...n.optionalArgs]).toEqual(["sep", "pick", "opts"]);
    expect(n.defaults).toMatchObject({ sep: '","' });
  });

  it("reads a destructured object parameter as separate inputs, with defaults", () => {
    const n = node(({ a, b = 2, "c-d": c }: { a: number; b?: number; "c-d": number }) => a + b + c, { outputName: "s" });
    expect(n.rootArgs).toEqual(["a", "b", "c-d"]);
    expect(n.parameterStyle).toBe("object");
    expect([...n.optionalArgs]).toEqual(["b"]);
    expect(n.execute([1, undefined, 3])).toBe(6);
  });

  it("reads method shorthand, async and generator functions", () => {
    const holder = {
      score(x: number, weight = 3) {
        return x * weight;
      },
    };
    expect(node(holder.score).rootArgs).toEqual(["x", "weight"]);
    const asyncNode = node(async function fetchIt(url: string) {
      return url;
    });
    expect(asyncNode.rootArgs).toEqual(["url"]);
    expect(asyncNode.isAsync).toBe(true);
    expect(node((x: number) => x, { outputName: "y" }).isAsync).toBe(false);
  });

  it("a single parameter without parentheses", () => {
    // eslint-disable-next-line
    const f = new Function("return x => x + 1")() as (x: number) => number;
    expect(node(f, { outputName: "y" }).rootArgs).toEqual(["x"]);
  });

  it("rejects rest parameters unless inputs are given", () => {
    const f = (...xs: number[]) => xs.length;
    expect(() => node(f, { outputName: "n" })).toThrow(NodeDefinitionError);
    expect(() => node(f, { outputName: "n" })).toThrow(/rest parameter/);
    expect(node(f, { outputName: "n", inputs: ["a", "b"] }).rootArgs).toEqual(["a", "b"]);
  });

  it("needs inputs and a version (or cache: false) for functions whose source cannot be read", () => {
    expect(() => node(Math.max, { outputName: "m" })).toThrow(/source cannot be read/);
    expect(() => node(Math.max, { outputName: "m", inputs: ["a", "b"] })).toThrow(/version/);
    expect(node(Math.max, { outputName: "m", inputs: ["a", "b"], version: "1" }).rootArgs).toEqual(["a", "b"]);
    const bound = function add(this: unknown, a: number, b: number) {
      return a + b;
    }.bind(null);
    expect(node(bound, { outputName: "s", inputs: ["a", "b"], cache: false }).execute([1, 2])).toBe(3);
  });

  it("names the culprit when outputName is missing for an unnamed function", () => {
    expect(() => node((x: number) => x)).toThrow(NodeDefinitionError);
    expect(() => node((x: number) => x)).toThrow(/unnamed function.*outputName/);
  });

  it("rejects duplicate output names and empty names", () => {
    expect(() => node((x: number) => [x, x], { outputName: ["a", "a"] })).toThrow(/twice/);
    expect(() => node((x: number) => x, { outputName: "" })).toThrow(/non-empty/);
  });
});
