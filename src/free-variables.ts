import type { Node as AstNode } from "acorn";
import { parseFunction } from "./parameters.js";

/** What a function's code reads or writes outside itself. */
export interface FreeVariables {
  /** Names used as themselves (read, called or assigned). */
  names: Set<string>;
  /**
   * Names only ever used as `name.member` (tslab compiles a notebook cell's references to earlier
   * cells as `exports.k`, to imports as `mod_1.x`), with the members used.
   */
  members: Map<string, Set<string>>;
}

/** A function's code as an expression that evaluates to it, and its free variables. */
export interface AnalyzedFunction {
  expression: string;
  free: FreeVariables;
}

type Any = AstNode & Record<string, any>;

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | undefined) {}

  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/**
 * Parses a function's source (acorn) and finds the names it uses that it does not declare, following
 * JavaScript's scoping: parameters, `var` and function declarations hoisted to their function,
 * `let`/`const`/`class` to their block, catch parameters, a named function expression's own name.
 * Undefined when the source is not a function expression (native, bound, a class).
 */
export function analyzeFunction(fn: Function): AnalyzedFunction | undefined {
  const source = Function.prototype.toString.call(fn);
  const parsed = parseFunction(source);
  if (!parsed) return undefined;
  // A method shorthand only parses inside an object literal: evaluate that object and take its method.
  const expression = parsed.text.startsWith("({") ? `Object.values(${parsed.text})[0]` : parsed.text;
  const free: FreeVariables = { names: new Set(), members: new Map() };
  new Walker(free).visit(parsed.ast as Any, new Scope(undefined));
  for (const name of free.names) free.members.delete(name);
  return { expression, free };
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

class Walker {
  constructor(readonly free: FreeVariables) {}

  visit(node: Any | null | undefined, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case "Identifier":
        return this.#use(node.name, scope);
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return this.#function(node, scope);
      case "ClassDeclaration":
      case "ClassExpression": {
        const inner = new Scope(scope);
        if (node.id) inner.names.add(node.id.name);
        this.visit(node.superClass, scope);
        return this.visit(node.body, inner);
      }
      case "BlockStatement":
      case "StaticBlock":
        return this.#block(node.body, scope);
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const inner = new Scope(scope);
        const head = node.init ?? node.left;
        if (head?.type === "VariableDeclaration" && head.kind !== "var") for (const d of head.declarations) declare(d.id, inner);
        return this.#children(node, inner);
      }
      case "SwitchStatement": {
        this.visit(node.discriminant, scope);
        const inner = new Scope(scope);
        const statements = node.cases.flatMap((c: Any) => c.consequent);
        hoistLexical(statements, inner);
        for (const c of node.cases) {
          this.visit(c.test, inner);
          for (const s of c.consequent) this.visit(s, inner);
        }
        return;
      }
      case "CatchClause": {
        const inner = new Scope(scope);
        if (node.param) declare(node.param, inner);
        this.#patternExpressions(node.param, inner);
        return this.visit(node.body, inner);
      }
      case "VariableDeclarator":
        this.#patternExpressions(node.id, scope);
        return this.visit(node.init, scope);
      case "MemberExpression":
        if (node.object.type === "Identifier" && !node.computed && !scope.has(node.object.name)) {
          return this.#useMember(node.object.name, node.property.name ?? String(node.property.value));
        }
        this.visit(node.object, scope);
        if (node.computed) this.visit(node.property, scope);
        return;
      case "Property":
      case "MethodDefinition":
      case "PropertyDefinition":
        if (node.computed) this.visit(node.key, scope);
        return this.visit(node.value, scope);
      case "LabeledStatement":
        return this.visit(node.body, scope);
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
        return;
      default:
        return this.#children(node, scope);
    }
  }

  #function(node: Any, outer: Scope): void {
    const scope = new Scope(outer);
    if (node.type === "FunctionExpression" && node.id) scope.names.add(node.id.name);
    if (node.type !== "ArrowFunctionExpression") scope.names.add("arguments");
    for (const p of node.params) declare(p, scope);
    for (const p of node.params) this.#patternExpressions(p, scope);
    if (node.body.type !== "BlockStatement") return this.visit(node.body, scope);
    hoistVar(node.body, scope);
    this.#block(node.body.body, scope);
  }

  #block(statements: Any[], outer: Scope): void {
    const scope = new Scope(outer);
    hoistLexical(statements, scope);
    for (const s of statements) this.visit(s, scope);
  }

  /** The expressions inside a declared pattern: default values and computed keys. */
  #patternExpressions(pattern: Any | null | undefined, scope: Scope): void {
    if (!pattern) return;
    switch (pattern.type) {
      case "AssignmentPattern":
        this.#patternExpressions(pattern.left, scope);
        return this.visit(pattern.right, scope);
      case "ObjectPattern":
        for (const p of pattern.properties) {
          if (p.type === "RestElement") this.#patternExpressions(p.argument, scope);
          else {
            if (p.computed) this.visit(p.key, scope);
            this.#patternExpressions(p.value, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const e of pattern.elements) this.#patternExpressions(e, scope);
        return;
      case "RestElement":
        return this.#patternExpressions(pattern.argument, scope);
    }
  }

  #children(node: Any, scope: Scope): void {
    for (const child of childNodes(node)) this.visit(child, scope);
  }

  #use(name: string, scope: Scope): void {
    if (!scope.has(name)) this.free.names.add(name);
  }

  #useMember(name: string, member: string): void {
    let members = this.free.members.get(name);
    if (!members) this.free.members.set(name, (members = new Set()));
    members.add(member);
  }
}

/** Adds the names a binding pattern declares. */
function declare(pattern: Any | null | undefined, scope: Scope): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      scope.names.add(pattern.name);
      return;
    case "AssignmentPattern":
      return declare(pattern.left, scope);
    case "RestElement":
      return declare(pattern.argument, scope);
    case "ArrayPattern":
      for (const e of pattern.elements) declare(e, scope);
      return;
    case "ObjectPattern":
      for (const p of pattern.properties) declare(p.type === "RestElement" ? p.argument : p.value, scope);
  }
}

/** `let`, `const`, `class` and function declarations directly in a block belong to the block. */
function hoistLexical(statements: Any[], scope: Scope): void {
  for (const s of statements) {
    if (s.type === "VariableDeclaration" && s.kind !== "var") for (const d of s.declarations) declare(d.id, scope);
    else if ((s.type === "ClassDeclaration" || s.type === "FunctionDeclaration") && s.id) scope.names.add(s.id.name);
  }
}

/** `var` declarations anywhere in a function body (nested functions aside) belong to the function. */
function hoistVar(node: Any, scope: Scope): void {
  for (const child of childNodes(node)) {
    if (FUNCTIONS.has(child.type)) continue;
    if (child.type === "VariableDeclaration" && child.kind === "var") for (const d of child.declarations) declare(d.id, scope);
    hoistVar(child, scope);
  }
}

function* childNodes(node: Any): Generator<Any> {
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === "string") yield v;
    } else if (value && typeof value === "object" && typeof value.type === "string") yield value;
  }
}
