import { tokenizer, tokTypes, type Token as AcornToken } from "acorn";
import { digest } from "./digest.js";

/** acorn's tokens carry their value at run time; its typings omit it. */
type Token = AcornToken & { value?: unknown };

const NOTHING: ReadonlySet<string> = new Set();

/**
 * Source text normalised for hashing: the code's tokens, so whitespace and comments do not count while
 * identifiers, literals and structure do. Quoting style of strings does not count either.
 *
 * `fold` names objects that hold a module's bindings (tslab's `exports` of earlier notebook cells, an
 * imported module `mod_1`): `exports.k`, `mod_1.x` and `(0, mod_1.x)` read as the bare `k`/`x`, so a
 * function hashes the same whichever cell declared what, and when pasted into another cell. Which
 * names those are is decided by what they are bound to (see code-identity.ts), never by spelling.
 */
export function normalizeSource(source: string, fold: ReadonlySet<string> = NOTHING): string {
  const tokens = tokenize(source);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const folded = fold.size ? foldModuleReference(tokens, i, fold) : undefined;
    if (folded) {
      out.push(folded.name);
      i = folded.last;
      continue;
    }
    out.push(tokenText(tokens[i]!, source));
  }
  return out.join(" ");
}

const sourceHashes = new WeakMap<Function, string>();

/** Hex hash of a function's (or class's) normalised source alone, nothing it reads (computed once per function). */
export function hashFunctionSource(fn: Function): string {
  let hash = sourceHashes.get(fn);
  if (hash === undefined) sourceHashes.set(fn, (hash = digest(normalizeSource(Function.prototype.toString.call(fn)))));
  return hash;
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

function isPunct(t: Token | undefined, type: (typeof tokTypes)[keyof typeof tokTypes]): boolean {
  return t !== undefined && t.type === type;
}

/** `o.x` / `(0, o.x)` at index i, for a module object o → the bare name. */
function foldModuleReference(tokens: Token[], i: number, fold: ReadonlySet<string>): { name: string; last: number } | undefined {
  const qualified = (j: number) => {
    const owner = tokens[j];
    const property = tokens[j + 2];
    // After a dot a keyword is a property name too (`mod_1.default`).
    const isProperty = property?.type === tokTypes.name || property?.type.keyword !== undefined;
    if (owner?.type !== tokTypes.name || !isPunct(tokens[j + 1], tokTypes.dot) || !isProperty) return undefined;
    if (!fold.has(String(owner.value))) return undefined;
    // A member access (`obj.exports.k`) is not a module reference.
    if (isPunct(tokens[j - 1], tokTypes.dot) || isPunct(tokens[j - 1], tokTypes.questionDot)) return undefined;
    return { name: String(property!.value), last: j + 2 };
  };
  const t = tokens[i]!;
  if (t.type === tokTypes.parenL && tokens[i + 1]?.type === tokTypes.num && tokens[i + 1]!.value === 0 && isPunct(tokens[i + 2], tokTypes.comma)) {
    const inner = qualified(i + 3);
    if (inner && isPunct(tokens[inner.last + 1], tokTypes.parenR)) return { name: inner.name, last: inner.last + 1 };
  }
  return qualified(i);
}
