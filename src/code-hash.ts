import { tokenizer, tokTypes, type Token as AcornToken } from "acorn";
import { digest } from "./digest.js";

/** acorn's tokens carry their value at run time; its typings omit it. */
type Token = AcornToken & { value?: unknown };

/**
 * Source text normalised for hashing: the function's tokens, so whitespace and comments do not
 * count while identifiers, literals and structure do. Quoting style of strings does not count either.
 *
 * tslab compiles each notebook cell so that names declared in an earlier cell read `exports.k`,
 * imported names read `mod_1.x` or `(0, mod_1.x)`, while the same names declared in the same cell
 * stay `k`/`x`. Those forms are folded to the bare name so a function hashes the same whichever
 * cell declared what (and whether it was pasted into another cell). A name is folded only where it
 * is never used on its own in the function: `(v_1, v_2) => v_1.x` has a parameter `v_1`, not a module.
 */
export function normalizeSource(source: string): string {
  return analyzeSource(source).normalized;
}

/**
 * The normalised source, and the names the code reads that may live outside it: bare identifiers
 * (not property names) and folded cell references. A superset of the free variables (locals with
 * an outside name's name are included): over-including only ever invalidates more.
 */
function analyzeSource(source: string): { normalized: string; names: string[] } {
  const tokens = tokenize(source);
  const local = namesUsedAlone(tokens);
  const out: string[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const folded = foldCellReference(tokens, i, local);
    if (folded) {
      out.push(folded.name);
      names.add(folded.name);
      i = folded.last;
      continue;
    }
    const token = tokens[i]!;
    if (isName(token) && !isPunct(tokens[i - 1], tokTypes.dot) && !isPunct(tokens[i - 1], tokTypes.questionDot)) {
      names.add(String(token.value));
    }
    out.push(tokenText(token, source));
  }
  return { normalized: out.join(" "), names: [...names] };
}

const analyzed = new WeakMap<Function, { hash: string; names: string[] }>();

function analyzeFunction(fn: Function): { hash: string; names: string[] } {
  let result = analyzed.get(fn);
  if (!result) {
    const { normalized, names } = analyzeSource(Function.prototype.toString.call(fn));
    result = { hash: digest(normalized), names };
    analyzed.set(fn, result);
  }
  return result;
}

/** Hex hash of a function's normalised source (computed once per function). */
export function hashFunctionSource(fn: Function): string {
  return analyzeFunction(fn).hash;
}

/** Names a function's code reads that may be defined outside it (see analyzeSource). */
export function referencedNames(fn: Function): readonly string[] {
  return analyzeFunction(fn).names;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  try {
    for (const token of tokenizer(source, { ecmaVersion: "latest", allowHashBang: true })) tokens.push(token as Token);
  } catch {
    // Unparseable tail (never seen for real function sources): keep the tokens read so far plus the
    // raw remainder so distinct sources still hash apart.
    const last = tokens.at(-1);
    tokens.push({ type: tokTypes.string, value: source.slice(last ? last.end : 0), start: 0, end: 0 } as Token);
  }
  return tokens;
}

function tokenText(token: Token, source: string): string {
  if (token.type === tokTypes.string || token.type === tokTypes.template) return JSON.stringify(token.value);
  return source.slice(token.start, token.end);
}

const MODULE_ALIAS = /^[A-Za-z_$][\w$]*_\d+$/;

function isName(t: Token | undefined): boolean {
  return t !== undefined && t.type === tokTypes.name;
}

function isPunct(t: Token | undefined, type: (typeof tokTypes)[keyof typeof tokTypes]): boolean {
  return t !== undefined && t.type === type;
}

/** Names that appear somewhere not followed by a dot (declared or used as values in the function). */
function namesUsedAlone(tokens: Token[]): Set<unknown> {
  const alone = new Set<unknown>();
  tokens.forEach((t, i) => {
    if (isName(t) && !isPunct(tokens[i + 1], tokTypes.dot) && !isPunct(tokens[i - 1], tokTypes.dot)) alone.add(t.value);
  });
  return alone;
}

/** `exports.k` / `mod_1.x` / `(0, mod_1.x)` / `(0, exports.k)` at index i → the bare name. */
function foldCellReference(tokens: Token[], i: number, local: Set<unknown>): { name: string; last: number } | undefined {
  const qualified = (j: number) => {
    const owner = tokens[j];
    const property = tokens[j + 2];
    // After a dot a keyword is a property name too (`mod_1.default`).
    const isProperty = isName(property) || property?.type.keyword !== undefined;
    if (!isName(owner) || !isPunct(tokens[j + 1], tokTypes.dot) || !isProperty) return undefined;
    if (owner!.value !== "exports" && !MODULE_ALIAS.test(String(owner!.value))) return undefined;
    if (local.has(owner!.value)) return undefined;
    // A member access (`obj.exports.k`) is not a cell reference.
    if (isPunct(tokens[j - 1], tokTypes.dot) || isPunct(tokens[j - 1], tokTypes.questionDot)) return undefined;
    return { name: String(property!.value), last: j + 2 };
  };
  const t = tokens[i]!;
  if (
    t.type === tokTypes.parenL &&
    tokens[i + 1]?.type === tokTypes.num &&
    tokens[i + 1]!.value === 0 &&
    isPunct(tokens[i + 2], tokTypes.comma)
  ) {
    const inner = qualified(i + 3);
    if (inner && isPunct(tokens[inner.last + 1], tokTypes.parenR)) return { name: inner.name, last: inner.last + 1 };
  }
  return qualified(i);
}
