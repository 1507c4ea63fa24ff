import { parseExpressionAt, type Expression, type Node as AstNode, type Pattern } from "acorn";

/** One input a function takes, as read from its source. */
export interface Parameter {
  name: string;
  /** Source text of the default value, when the parameter has one (the input is then optional). */
  defaultSource?: string;
}

/** How a node's function receives its inputs: as positional arguments or as one object. */
export type ParameterStyle = "positional" | "object";

export interface ParameterList {
  style: ParameterStyle;
  parameters: Parameter[];
}

export type FunctionAst = AstNode & { params: Pattern[]; body: AstNode };

/**
 * Reads a function's parameter names with a real JavaScript parser (acorn), so defaults holding
 * commas, parentheses, strings or arrow functions parse right. Returns undefined when the source is
 * not readable (native or bound functions). Throws an Error describing an unsupported shape
 * (rest parameters, array patterns, computed keys).
 */
export function readParameters(fn: Function): ParameterList | undefined {
  if (!hasReadableSource(fn)) return undefined;
  const parsed = parseFunction(Function.prototype.toString.call(fn));
  if (!parsed) return undefined;
  const { ast, text } = parsed;
  const slice = (n: AstNode) => text.slice(n.start, n.end);
  const first = ast.params[0];
  if (ast.params.length === 1 && first && unwrapDefault(first).type === "ObjectPattern") {
    return { style: "object", parameters: objectPatternParameters(unwrapDefault(first), slice) };
  }
  return { style: "positional", parameters: ast.params.map((p) => positionalParameter(p, slice)) };
}

/** False for native and bound functions: their source text is `[native code]`. */
export function hasReadableSource(fn: Function): boolean {
  return !/\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

/**
 * A function's source parsed as an expression: `text` is the source wrapped so that it parses
 * (`(…)`, or `({…})` for a method shorthand), `ast` the function inside it.
 */
export function parseFunction(source: string): { ast: FunctionAst; text: string } | undefined {
  // Nodes read parameters and free variables from one parse; factory-made functions share their source.
  if (parsed.has(source)) return parsed.get(source);
  const result = parse(source);
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(source, result);
  return result;
}

/** Parses of recent function sources (read-only ASTs), oldest dropped first. */
const parsed = new Map<string, { ast: FunctionAst; text: string } | undefined>();
const MAX_PARSED = 256;

function parse(source: string): { ast: FunctionAst; text: string } | undefined {
  // Functions and arrows parse as expressions; a method shorthand (`run(x) {…}`) only inside an object.
  for (const [prefix, suffix] of [["(", ")"], ["({", "})"]]) {
    const text = prefix + source + suffix;
    let expr: Expression;
    try {
      expr = parseExpressionAt(text, 0, { ecmaVersion: "latest" });
    } catch {
      continue;
    }
    const candidate = expr.type === "ObjectExpression" ? (expr.properties[0] as { value?: AstNode } | undefined)?.value : expr;
    if (candidate && (candidate.type === "FunctionExpression" || candidate.type === "ArrowFunctionExpression")) {
      return { ast: candidate as FunctionAst, text };
    }
  }
  return undefined;
}

function unwrapDefault(p: Pattern): Pattern {
  return p.type === "AssignmentPattern" ? p.left : p;
}

function positionalParameter(p: Pattern, slice: (n: AstNode) => string): Parameter {
  if (p.type === "Identifier") return { name: p.name };
  if (p.type === "AssignmentPattern" && p.left.type === "Identifier") {
    return { name: p.left.name, defaultSource: slice(p.right) };
  }
  if (p.type === "RestElement") throw new Error("a rest parameter (...args) cannot be wired by name");
  throw new Error("a destructured parameter must be the function's only parameter");
}

function objectPatternParameters(pattern: Pattern, slice: (n: AstNode) => string): Parameter[] {
  if (pattern.type !== "ObjectPattern") return [];
  return pattern.properties.map((prop) => {
    if (prop.type === "RestElement") throw new Error("a rest element (...rest) in the parameter object cannot be wired by name");
    const key = prop.key;
    const name =
      !prop.computed && key.type === "Identifier"
        ? key.name
        : key.type === "Literal" && typeof key.value === "string"
          ? key.value
          : undefined;
    if (name === undefined) throw new Error("a computed key in the parameter object cannot be wired by name");
    return prop.value.type === "AssignmentPattern" ? { name, defaultSource: slice(prop.value.right) } : { name };
  });
}
