import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A corpus of small projects run as real Node processes on one DiskCache: a result is never served
 * for other code or other values (an edit anywhere a node's function reaches recomputes it), while
 * code that did not change keeps hitting the cache (a "never cache" implementation fails the
 * controls, a "hash the node's source only" one fails the edits).
 *
 * Each project is a temp folder with `node_modules/hypernodes` linked to this repository (its build:
 * `npm test` builds first) and a harness that runs one node per pipeline and reports, per node, its
 * value, whether it ran or hit (counted by a callback, never by the node's own code), and what
 * `explain()` said just before the run. Every step edits one thing, starts a new process, and
 * expects exactly the nodes that read the edited thing to recompute, with the new value, and every
 * other node to be a pure cache hit with its previous value.
 */

const REPO = fileURLToPath(new URL("..", import.meta.url));

interface Outcome {
  value: unknown;
  ran: number;
  hit: number;
  explain: { status: string; reason?: string; changed?: { code: boolean; inputs: string[]; upstream: string[] } };
}
type Report = Record<string, Outcome>;

const HARNESS = `
import { DiskCache, Pipeline, PipelineCallback } from "hypernodes";

const cache = new DiskCache({ path: new URL("./cache", import.meta.url).pathname });
let ran = 0;
let hit = 0;
class Count extends PipelineCallback {
  onNodeEnd() { ran++; }
  onNodeCached() { hit++; }
}

/** One node in its own pipeline on the shared DiskCache: what explain() says, then the run. */
export async function run(n, inputs) {
  const pipeline = new Pipeline({ nodes: [n], cache, callbacks: [new Count()] });
  const [explained] = await pipeline.explain(inputs);
  ran = 0;
  hit = 0;
  const out = await pipeline.run(inputs);
  const { status, reason, changed } = explained;
  return { value: out[n.outputName], ran, hit, explain: { status, reason, changed } };
}

export async function report(outcomes) {
  process.stdout.write(JSON.stringify(outcomes));
  await cache.close();
}
`;

class Project {
  readonly dir = mkdtempSync(join(tmpdir(), "hn-stale-"));

  constructor(files: Record<string, string>) {
    mkdirSync(join(this.dir, "node_modules"));
    symlinkSync(REPO, join(this.dir, "node_modules", "hypernodes"), "dir");
    this.write("package.json", JSON.stringify({ name: "stale-corpus", private: true, type: "module" }));
    this.write("harness.mjs", HARNESS);
    for (const [path, text] of Object.entries(files)) this.write(path, text);
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), text);
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  /** Replaces the one occurrence of `from` in a file (a test typo must not pass as "nothing changed"). */
  edit(path: string, from: string, to: string): void {
    const text = this.read(path);
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`edit of ${path}: expected exactly one ${JSON.stringify(from)}, found ${count}`);
    this.write(path, text.replace(from, () => to));
  }

  /** A fresh Node process running `entry`; its report. */
  run(entry = "main.mjs"): Report {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawnSync(process.execPath, [entry], { cwd: this.dir, encoding: "utf8", env, timeout: 30_000 });
    if (child.status !== 0) throw new Error(`node ${entry} exited with ${child.status ?? child.signal}:\n${child.stderr}`);
    return JSON.parse(child.stdout) as Report;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a step is judged on, per node. */
function summary(report: Report): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report).map(([name, o]) => [
      name,
      { value: o.value, ran: o.ran, hit: o.hit, explain: o.explain.status, changed: o.explain.changed },
    ]),
  );
}

type Change = "code" | { inputs: string[] };

/**
 * Every node of `now` was a pure cache hit with its value in `before`, except those in `recomputed`:
 * they ran once, with the value given, and explain() had called them a miss with a reason naming
 * the changed part (their code, or the given inputs).
 */
function expectStep(now: Report, before: Report, recomputed: Record<string, unknown>, change: Change = "code"): void {
  expect(Object.keys(now).sort()).toEqual(Object.keys(before).sort());
  for (const name of Object.keys(recomputed)) expect(before, `unknown node ${name}`).toHaveProperty([name]);
  const changed = change === "code" ? { code: true, inputs: [], upstream: [] } : { code: false, inputs: change.inputs, upstream: [] };
  const expected = Object.fromEntries(
    Object.entries(before).map(([name, o]) => [
      name,
      name in recomputed
        ? { value: recomputed[name], ran: 1, hit: 0, explain: "miss", changed }
        : { value: o.value, ran: 0, hit: 1, explain: "hit", changed: undefined },
    ]),
  );
  expect(summary(now)).toEqual(expected);
  for (const name of Object.keys(recomputed)) expect(now[name]!.explain.reason, `explain()'s reason for ${name}`).toMatch(/\S/);
}

/** The first run in an empty cache: every node ran, with these values. */
function expectAllComputed(now: Report, values: Record<string, unknown>): void {
  const expected = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { value, ran: 1, hit: 0, explain: "miss", changed: undefined }]),
  );
  expect(summary(now)).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------------
// 1. Code a node reaches through modules: constants, default parameters, imported helpers (nested,
//    re-exported, namespace members), classes, CommonJS, library code, tslab-shaped names.
// ---------------------------------------------------------------------------------------------------

/**
 * One project run after run, in the describe block that creates it: `first()` runs it, and each
 * `step()` runs a new process after an edit and checks it against the run before (`last` moves on
 * even when the check fails). `prepare` runs before every run (compiling TypeScript).
 */
class Corpus {
  project!: Project;
  last!: Report;

  constructor(
    files: Record<string, string>,
    private readonly prepare: (project: Project) => void = () => {},
  ) {
    beforeAll(() => {
      this.project = new Project(files);
    });
    afterAll(() => this.project.remove());
  }

  run(): Report {
    this.prepare(this.project);
    return (this.last = this.project.run());
  }

  step(recomputed: Record<string, unknown>, change?: Change): void {
    const before = this.last;
    expectStep(this.run(), before, recomputed, change);
  }
}

const MODULES: Record<string, string> = {
  "main.mjs": `import { createRequire } from "node:module";
import { node } from "hypernodes";
import { triple } from "fakepkg";
import { run, report } from "./harness.mjs";
import { normalize, outer, withRate } from "./helpers.mjs";
import { tokenize } from "./index.mjs";
import * as weights from "./weights.mjs";
import { Scaler } from "./scaler.mjs";
import { Meter } from "./meter.mjs";
import { Gauge } from "./gauge.mjs";
import { Child } from "./child.mjs";
import { Units } from "./units.mjs";

const require = createRequire(import.meta.url);
const { cjsScale } = require("./helpers.cjs");
const { viaNamespace } = require("./cjs-nodes.cjs");

const FACTOR = 3;
const OFFSET = 11;
// Names shaped like tslab's aliases of imported modules (model_1), but plain objects.
const model_1 = { w: 2, predict(x) { return x * this.w; } };
const model_2 = { w: 5, predict(x) { return x * this.w; } };
const gauge = new Gauge(4);

const nodes = [
  node((x) => x * FACTOR, { name: "moduleConst", outputName: "y" }),
  node((x, k = OFFSET) => x + k, { name: "defaultParam", outputName: "y" }),
  node((x) => normalize(x), { name: "helper", outputName: "y" }),
  node((x) => outer(x), { name: "helperOfHelper", outputName: "y" }),
  node((x) => withRate(x), { name: "helperConst", outputName: "y" }),
  node((text) => tokenize(text).length, { name: "reexport", outputName: "y" }),
  node((x) => x - weights.w, { name: "namespaceMember", outputName: "y" }),
  node((x) => new Scaler(2).apply(x), { name: "newInstance", outputName: "y" }),
  node((meter, x) => meter.read(x), { name: "instanceInput", outputName: "y" }),
  node((x) => gauge.read(x) + 0.25, { name: "instanceConst", outputName: "y" }),
  node((x) => new Child().run(x), { name: "superclass", outputName: "y" }),
  node((x) => Units.convert(x), { name: "staticField", outputName: "y" }),
  node((x) => cjsScale(x) * 2, { name: "cjsDestructured", outputName: "y" }),
  node(viaNamespace, { name: "cjsNamespace", outputName: "y" }),
  node((x) => model_1.predict(x), { name: "aliasModel1", outputName: "y" }),
  node((x) => model_2.predict(x), { name: "aliasModel2", outputName: "y" }),
  node((x) => triple(x) + 0.5, { name: "library", outputName: "y" }),
];
const inputs = {
  reexport: { text: "a b,c" },
  instanceInput: { meter: new Meter(3), x: 5 },
};

const outcomes = {};
for (const n of nodes) outcomes[n.name] = await run(n, inputs[n.name] ?? { x: 5 });
await report(outcomes);
`,
  "helpers.mjs": `import { inner } from "./deep.mjs";

const RATE = 4;

export function normalize(x) {
  return x * 2 + 1;
}

export function outer(x) {
  return inner(x) + 100;
}

export function withRate(x) {
  return x * RATE;
}

export function unused(x) {
  return x - 1;
}
`,
  "deep.mjs": `export function inner(x) {
  return x * 10;
}
`,
  "text.mjs": `export function tokenize(text) {
  return text.split(" ");
}
`,
  "index.mjs": `export { tokenize } from "./text.mjs";
`,
  "weights.mjs": `export const w = 6;
`,
  "scaler.mjs": `export class Scaler {
  constructor(k) {
    this.k = k;
  }
  apply(x) {
    return x * this.k;
  }
}
`,
  "meter.mjs": `export class Meter {
  constructor(unit) {
    this.unit = unit;
  }
  read(x) {
    return x * this.unit;
  }
}
`,
  "gauge.mjs": `export class Gauge {
  constructor(unit) {
    this.unit = unit;
  }
  read(x) {
    return x * this.unit;
  }
}
`,
  "base.mjs": `export class Base {
  bump(x) {
    return x + 1;
  }
}
`,
  "child.mjs": `import { Base } from "./base.mjs";

export class Child extends Base {
  run(x) {
    return this.bump(x) * 2;
  }
}
`,
  "units.mjs": `export class Units {
  static factor = 4;
  static convert(x) {
    return x * Units.factor;
  }
}
`,
  "helpers.cjs": `const { round } = require("./round.cjs");

const RATE = 1.5;

function cjsScale(x) {
  return round(x * RATE);
}

function unusedCjs(x) {
  return x + 1;
}

module.exports = { cjsScale, unusedCjs };
`,
  "round.cjs": `exports.round = (x) => Math.round(x * 10) / 10;
`,
  "cjs-nodes.cjs": `const helpers = require("./helpers.cjs");

exports.viaNamespace = (x) => helpers.cjsScale(x) + 1;
`,
  // A package: identified by name@version, never walked. Its per-process state (read by the
  // function) would make every new process a miss if it were hashed.
  "node_modules/fakepkg/package.json": JSON.stringify({ name: "fakepkg", version: "1.0.0", type: "module", exports: "./index.js" }),
  "node_modules/fakepkg/index.js": `const session = { id: Math.random() };

export function triple(x) {
  return session.id >= 0 ? x * 3 : Number.NaN;
}
`,
};

describe("stale results across processes: what a node reaches through modules", { timeout: 30_000 }, () => {
  const corpus = new Corpus(MODULES);

  it("computes every node once in a first process (tslab-shaped names model_1/model_2 do not share)", () => {
    corpus.run();
    expectAllComputed(corpus.last, {
      moduleConst: 15,
      defaultParam: 16,
      helper: 11,
      helperOfHelper: 150,
      helperConst: 20,
      reexport: 2,
      namespaceMember: -1,
      newInstance: 10,
      instanceInput: 15,
      instanceConst: 20.25,
      superclass: 12,
      staticField: 20,
      cjsDestructured: 15,
      cjsNamespace: 8.5,
      aliasModel1: 10,
      aliasModel2: 25,
      library: 15.5,
    });
    expect(corpus.last.moduleConst!.explain.reason).toMatch(/\S/);
  });

  it("control: an identical second process hits every node (package code with per-process state included)", () => {
    corpus.step({});
  });

  it("control: reformatting the node function and adding a comment to it is a hit", () => {
    corpus.project.edit("main.mjs", "node((x) => x * FACTOR, {", "node(\n  (x) =>\n    // scaled by the module constant\n    x   *   FACTOR,\n  {");
    corpus.step({});
  });

  it("control: reformatting a helper and commenting it is a hit", () => {
    corpus.project.edit("helpers.mjs", "export function normalize(x) {\n  return x * 2 + 1;\n}", "/** Doubles, plus one. */\nexport function normalize( x ){ return x*2+1; /* same code */ }");
    corpus.step({});
  });

  it("control: editing a helper the node does not use (same module) is a hit", () => {
    corpus.project.edit("helpers.mjs", "return x - 1;", "return x - 2;");
    corpus.step({});
  });

  it("control: editing a CommonJS helper the nodes do not use (same module) is a hit", () => {
    corpus.project.edit("helpers.cjs", "return x + 1;", "return x + 2;");
    corpus.step({});
  });

  it("a module constant the node reads", () => {
    corpus.project.edit("main.mjs", "const FACTOR = 3;", "const FACTOR = 4;");
    corpus.step({ moduleConst: 20 });
  });

  it("a constant read through a default parameter", () => {
    corpus.project.edit("main.mjs", "const OFFSET = 11;", "const OFFSET = 21;");
    corpus.step({ defaultParam: 26 });
  });

  it("the body of an imported helper", () => {
    corpus.project.edit("helpers.mjs", "return x*2+1;", "return x*2+2;");
    corpus.step({ helper: 12 });
  });

  it("a helper of a helper (two modules away)", () => {
    corpus.project.edit("deep.mjs", "return x * 10;", "return x * 20;");
    corpus.step({ helperOfHelper: 200 });
  });

  it("a constant read by an imported helper", () => {
    corpus.project.edit("helpers.mjs", "const RATE = 4;", "const RATE = 5;");
    corpus.step({ helperConst: 25 });
  });

  it("a helper re-exported through an index module", () => {
    corpus.project.edit("text.mjs", 'text.split(" ")', "text.split(/[ ,]/)");
    corpus.step({ reexport: 3 });
  });

  it("a member of an imported namespace (import * as weights)", () => {
    corpus.project.edit("weights.mjs", "export const w = 6;", "export const w = 7;");
    corpus.step({ namespaceMember: -2 });
  });

  it("a method of a class the node instantiates", () => {
    corpus.project.edit("scaler.mjs", "return x * this.k;", "return x * this.k + 1;");
    corpus.step({ newInstance: 11 });
  });

  it("a method of a class whose instance is an input (same field values)", () => {
    corpus.project.edit("meter.mjs", "return x * this.unit;", "return x * this.unit - 1;");
    corpus.step({ instanceInput: 14 }, { inputs: ["meter"] });
  });

  it("a method of a class whose instance is a module constant the node reads (same field values)", () => {
    corpus.project.edit("gauge.mjs", "return x * this.unit;", "return x * this.unit + 1;");
    corpus.step({ instanceConst: 21.25 });
  });

  it("a superclass's method (superclass in another module)", () => {
    corpus.project.edit("base.mjs", "return x + 1;", "return x + 2;");
    corpus.step({ superclass: 14 });
  });

  it("a static field's initial value", () => {
    corpus.project.edit("units.mjs", "static factor = 4;", "static factor = 6;");
    corpus.step({ staticField: 30 });
  });

  it("a CommonJS helper's helper (round.cjs, required by helpers.cjs)", () => {
    corpus.project.edit("round.cjs", "Math.round(x * 10) / 10", "Math.floor(x)");
    corpus.step({ cjsDestructured: 14, cjsNamespace: 8 });
  });

  it("a constant of a CommonJS module", () => {
    corpus.project.edit("helpers.cjs", "const RATE = 1.5;", "const RATE = 2;");
    corpus.step({ cjsDestructured: 20, cjsNamespace: 11 });
  });

  it("the body of a CommonJS helper (required destructured, and read as helpers.cjsScale)", () => {
    corpus.project.edit("helpers.cjs", "return round(x * RATE);", "return round(x * RATE) + 1;");
    corpus.step({ cjsDestructured: 22, cjsNamespace: 12 });
  });

  it("a field of an object named like a tslab alias (model_1), not its look-alike model_2", () => {
    corpus.project.edit("main.mjs", "const model_1 = { w: 2,", "const model_1 = { w: 3,");
    corpus.step({ aliasModel1: 15 });
  });

  it("a package upgrade (new version, new code) in node_modules", () => {
    corpus.project.write("node_modules/fakepkg/package.json", JSON.stringify({ name: "fakepkg", version: "1.1.0", type: "module", exports: "./index.js" }));
    corpus.project.edit("node_modules/fakepkg/index.js", "x * 3", "x * 4");
    corpus.step({ library: 20.5 });
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Values that change while a process runs: reassigned bindings, mutated objects, statics, closures
//    made by factories, functions as inputs; and writes that must not count.
// ---------------------------------------------------------------------------------------------------

const LIVE: Record<string, string> = {
  "main.mjs": `import { node } from "hypernodes";
import { run, report } from "./harness.mjs";
import { level, setLevel } from "./settings.mjs";

let threshold = 0.5;
const config = { scale: 2 };
class Rate {
  static factor = 2;
  static of(x) {
    return x * Rate.factor;
  }
}
let calls = 0;
const seen = [];
const scaler = (k) => node((x) => x * k, { name: "scaler", outputName: "y" });
const adder = (n) => (v) => v + n;

const cut = node((x) => x * threshold, { name: "letVariable", outputName: "y" });
const leveled = node((x) => x + level, { name: "exportedLet", outputName: "y" });
const scaled = node((x) => x * config.scale + 0.5, { name: "objectConst", outputName: "y" });
const rated = node((x) => Rate.of(x), { name: "staticAssigned", outputName: "y" });
const counted = node((x) => {
  calls++;
  return x * 7;
}, { name: "counter", outputName: "y" });
const logged = node((x) => {
  seen.push(x);
  return x - 7;
}, { name: "pushLog", outputName: "y" });
const applyFn = node((f, x) => f(x), { name: "fnInput", outputName: "y" });

const out = {};
out.let_a = await run(cut, { x: 10 });
threshold = 0.9;
out.let_b = await run(cut, { x: 10 });
out.level_a = await run(leveled, { x: 10 });
setLevel(2);
out.level_b = await run(leveled, { x: 10 });
out.config_a = await run(scaled, { x: 10 });
config.scale = 3;
out.config_b = await run(scaled, { x: 10 });
out.static_a = await run(rated, { x: 10 });
Rate.factor = 5;
out.static_b = await run(rated, { x: 10 });
out.scaler_a = await run(scaler(2), { x: 10 });
out.scaler_b = await run(scaler(3), { x: 10 });
out.scaler_a_again = await run(scaler(2), { x: 10 });
out.fn_a = await run(applyFn, { f: adder(1), x: 10 });
out.fn_b = await run(applyFn, { f: adder(2), x: 10 });
out.fn_a_again = await run(applyFn, { f: adder(1), x: 10 });
out.counter_a = await run(counted, { x: 10 });
out.counter_b = await run(counted, { x: 10 });
out.push_a = await run(logged, { x: 10 });
out.push_b = await run(logged, { x: 10 });
await report(out);
`,
  "settings.mjs": `export let level = 1;

export function setLevel(value) {
  level = value;
}
`,
};

describe("stale results across processes: values that change while a process runs", { timeout: 30_000 }, () => {
  const corpus = new Corpus(LIVE);

  it("recomputes after each change within one process; equal closures, counters and logs hit", () => {
    corpus.run();
    const ran = (value: unknown) => ({ value, ran: 1, hit: 0 });
    const hit = (value: unknown) => ({ value, ran: 0, hit: 1 });
    const got = Object.fromEntries(Object.entries(corpus.last).map(([k, o]) => [k, { value: o.value, ran: o.ran, hit: o.hit }]));
    expect(got).toEqual({
      // a \`let\` reassigned between two runs
      let_a: ran(5),
      let_b: ran(9),
      // an exported \`let\` changed by a setter of its module
      level_a: ran(11),
      level_b: ran(12),
      // a constant object mutated (config.scale = 3)
      config_a: ran(20.5),
      config_b: ran(30.5),
      // a static field assigned (Rate.factor = 5)
      static_a: ran(20),
      static_b: ran(50),
      // factory-made nodes: another closure value recomputes, an equal one shares the result
      scaler_a: ran(20),
      scaler_b: ran(30),
      scaler_a_again: hit(20),
      // functions as inputs: closures with other captured values do not share, equal ones do
      fn_a: ran(11),
      fn_b: ran(12),
      fn_a_again: hit(11),
      // write-only uses (calls++, seen.push(x)) changed between the two runs, and do not count
      counter_a: ran(70),
      counter_b: hit(70),
      push_a: ran(3),
      push_b: hit(3),
    });
  });

  it("control: an identical second process hits every run, each with its live values", () => {
    corpus.step({});
  });

  it("a factory's closure value across processes (scaler(3) edited to scaler(4))", () => {
    corpus.project.edit("main.mjs", "scaler(3)", "scaler(4)");
    corpus.step({ scaler_b: 40 });
  });

  it("the value a `let` is reassigned to", () => {
    corpus.project.edit("main.mjs", "threshold = 0.9;", "threshold = 0.8;");
    corpus.step({ let_b: 8 });
  });

  it("the value a setter gives an exported `let`", () => {
    corpus.project.edit("main.mjs", "setLevel(2);", "setLevel(3);");
    corpus.step({ level_b: 13 });
  });

  it("the value a mutation gives an object's field", () => {
    corpus.project.edit("main.mjs", "config.scale = 3;", "config.scale = 4;");
    corpus.step({ config_b: 40.5 });
  });

  it("the value assigned to a static field", () => {
    corpus.project.edit("main.mjs", "Rate.factor = 5;", "Rate.factor = 6;");
    corpus.step({ static_b: 60 });
  });

  it("the closure value of a function passed as an input", () => {
    corpus.project.edit("main.mjs", "f: adder(2)", "f: adder(3)");
    corpus.step({ fn_b: 13 }, { inputs: ["f"] });
  });

  it("the code of a function passed as an input (the factory's inner function)", () => {
    corpus.project.edit("main.mjs", "(v) => v + n;", "(v) => v + n * 10;");
    // fn_a_again gets what fn_a just computed with the same function.
    const before = corpus.last;
    corpus.run();
    const got = Object.fromEntries(Object.entries(corpus.last).map(([k, o]) => [k, { value: o.value, ran: o.ran, hit: o.hit }]));
    const unchanged = Object.fromEntries(
      Object.entries(before)
        .filter(([k]) => !k.startsWith("fn_"))
        .map(([k, o]) => [k, { value: o.value, ran: 0, hit: 1 }]),
    );
    expect(got).toEqual({
      ...unchanged,
      fn_a: { value: 20, ran: 1, hit: 0 },
      fn_b: { value: 40, ran: 1, hit: 0 },
      fn_a_again: { value: 20, ran: 0, hit: 1 },
    });
    expect(corpus.last.fn_a!.explain).toMatchObject({ status: "miss", changed: { code: false, inputs: ["f"] } });
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. TypeScript compiled by the repository's TypeScript (NodeNext: .mts to ES modules, .cts to
//    CommonJS, whose imports read `(0, util_cjs_1.round)(…)` and whose constants read `exports.FACTOR`).
// ---------------------------------------------------------------------------------------------------

const TYPESCRIPT: Record<string, string> = {
  "util.cts": `export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
`,
  "helpers.cts": `import { round } from "./util.cjs";

export const FACTOR: number = 2;

export function scale(x: number): number {
  return round(x * FACTOR);
}
`,
  "model.mts": `import { scale } from "./helpers.cjs";

export interface Opts {
  offset: number;
}

const OPTS: Opts = { offset: 1 };

export function score(x: number): number {
  return scale(x) + OPTS.offset;
}

export class Model {
  constructor(private readonly w: number) {}

  predict(x: number): number {
    return x * this.w;
  }
}
`,
  "main.mts": `import { node } from "hypernodes";
// @ts-ignore: the harness is plain JavaScript
import { run, report } from "./harness.mjs";
import { Model, score } from "./model.mjs";

const tsScore = node(score, { name: "tsScore", outputName: "y" });
const tsClass = node((x: number) => new Model(2).predict(x), { name: "tsClass", outputName: "y" });

await report({ tsScore: await run(tsScore, { x: 5 }), tsClass: await run(tsClass, { x: 5 }) });
`,
};

/** Compiles every .mts/.cts of the project (NodeNext: .mts → .mjs ES module, .cts → .cjs CommonJS). */
function compile(project: Project): void {
  for (const file of Object.keys(TYPESCRIPT)) {
    const { outputText } = ts.transpileModule(project.read(file), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 },
    });
    project.write(file.replace(/\.mts$/, ".mjs").replace(/\.cts$/, ".cjs"), outputText);
  }
}

describe("stale results across processes: TypeScript compiled to ES modules and CommonJS", { timeout: 30_000 }, () => {
  const corpus = new Corpus(TYPESCRIPT, compile);

  it("computes both nodes in a first process", () => {
    corpus.run();
    // The compiled CommonJS reads its import and its own export through module objects.
    expect(corpus.project.read("helpers.cjs")).toContain("(0, util_cjs_1.round)(x * exports.FACTOR)");
    expectAllComputed(corpus.last, { tsScore: 11, tsClass: 10 });
  });

  it("control: recompiled unchanged, a second process hits", () => {
    corpus.step({});
  });

  it("control: a comment and a type-only edit are hits", () => {
    corpus.project.edit("model.mts", "  return scale(x) + OPTS.offset;", "  // scaled, then shifted\n  return scale(x) + OPTS.offset;");
    corpus.project.edit("model.mts", "  offset: number;\n", "  offset: number;\n  label?: string;\n");
    corpus.step({});
  });

  it("an exported constant of a CommonJS module (read as exports.FACTOR)", () => {
    corpus.project.edit("helpers.cts", "FACTOR: number = 2", "FACTOR: number = 3");
    corpus.step({ tsScore: 16 });
  });

  it("a helper's helper compiled to CommonJS (read as (0, util_cjs_1.round))", () => {
    corpus.project.edit("util.cts", "Math.round(x * 100) / 100", "Math.round(x * 100) / 100 + 0.5");
    corpus.step({ tsScore: 16.5 });
  });

  it("a method of a TypeScript class (parameter property fields)", () => {
    corpus.project.edit("model.mts", "return x * this.w;", "return x * this.w * 10;");
    corpus.step({ tsClass: 100 });
  });
});
