import { describe, expect, it } from "vitest";
import { analyzeFunction } from "../src/identity/free-variables.js";

const free = (fn: Function) => {
  const analyzed = analyzeFunction(fn)!;
  return { names: [...analyzed.free.names].sort(), members: Object.fromEntries([...analyzed.free.members].map(([k, v]) => [k, [...v].sort()])) };
};

describe("free variables of a function (what WorkerEngine must ship)", () => {
  it("leaves out parameters, locals of every kind, and property names", () => {
    // Written as source so that no tool renames or rewrites it.
    const fn = new Function(`return function f(a, { b, c: [d = outerDefault] }, ...rest) {
      var hoisted;
      const obj = { key: a, [computed]: b, shorthand };
      for (let i = 0; i < 3; i++) hoisted = i;
      for (const item of list) obj.key += item;
      try { risky(); } catch ({ message }) { return message; }
      label: { break label; }
      class Local extends Base { method() { return this.x + methodFree; } }
      function inner(z) { return z + a + innerFree + late; }
      const late = 1;
      return inner(d) + rest.length + obj.key + arguments.length + Math.max(1, 2) + new Local().method();
    }`)();
    expect(free(fn)).toEqual({
      names: ["Base", "computed", "innerFree", "list", "methodFree", "outerDefault", "risky", "shorthand"],
      members: { Math: ["max"] },
    });
  });

  it("sees a block's let/const only inside the block, and a write to an outer variable", () => {
    const fn = new Function(`return (x) => { { const shadow = 1; } counter += x; return shadow; }`)();
    expect(free(fn).names).toEqual(["counter", "shadow"]);
  });

  it("keeps names used only as name.member apart, with their members (tslab's exports.k)", () => {
    const fn = new Function(`return function g(x) { return exports.k * (0, mod_1.scale)(x) + exports.helper(x); }`)();
    expect(free(fn)).toEqual({ names: [], members: { exports: ["helper", "k"], mod_1: ["scale"] } });
  });

  it("parses arrows, async functions and method shorthands; not classes or native functions", () => {
    expect(analyzeFunction(async (x: number) => x)?.expression).toMatch(/^\(async/);
    const method = { run(x: number) { return x + 1; } }.run;
    expect(new Function(`return ${analyzeFunction(method)!.expression}`)()(1)).toBe(2);
    expect(analyzeFunction(class {})).toBeUndefined();
    expect(analyzeFunction(Math.max)).toBeUndefined();
  });
});
