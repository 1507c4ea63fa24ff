import { parseExpressionAt, type Node as AstNode } from "acorn";
import { parseFunction } from "../core/parameters.js";

/** What a function's code reads or writes outside itself. */
export interface FreeVariables {
  /** Names used as themselves (read, called or assigned). */
  names: Set<string>;
  /**
   * Names only ever used as `name.member` (tslab compiles a notebook cell's references to earlier
   * cells as `exports.k`, to imports as `mod_1.x`), with the members used.
   */
  members: Map<string, Set<string>>;
  /**
   * What the code reads, as `name` or `name.member`. The rest is only written: assigned, counted
   * (`calls++`), or mutated through a method whose result is dropped (`seen.push(x)`), so its value
   * cannot reach what the function returns.
   */
  reads: Set<string>;
  /** What the code assigns or mutates, as `name` or `name.member` (a worker thread would change its own copy). */
  writes: Set<string>;
  /** Names with a member called as a method (`o.m()`: `m` receives `o` as `this`). */
  methodCalls: Set<string>;
}

/** A function's code as an expression that evaluates to it, and its free variables. */
export interface AnalyzedFunction {
  expression: string;
  free: FreeVariables;
}

/** A class's free variables, its methods' source text by name, and the `#private` instance members it declares. */
export interface AnalyzedClass {
  free: FreeVariables;
  methods: Map<string, string>;
  /** `#private` instance fields: state hashing cannot read. */
  privateFields: string[];
  /** Every `#private` instance member (fields, methods, accessors): what an object not built by the constructor lacks. */
  privateMembers: string[];
}

/** TypeScript's and esbuild's down-levelled `#private` members: kept in WeakMaps keyed by instance. */
const COMPILED_PRIVATE = /\b(?:__privateAdd|__classPrivateFieldGet|__classPrivateFieldSet|_classPrivateFieldInitSpec|_classPrivateMethodInitSpec)\(/;

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
  return { expression, free: freeVariables(parsed.ast as Any) };
}

/** Parses a class's source (`class X extends Y { … }`); undefined when it is not one. */
export function analyzeClass(source: string): AnalyzedClass | undefined {
  let ast: Any;
  try {
    ast = parseExpressionAt(`(${source})`, 0, { ecmaVersion: "latest" }) as Any;
  } catch {
    return undefined;
  }
  if (ast.type !== "ClassExpression") return undefined;
  const text = `(${source})`;
  const methods = new Map<string, string>();
  const privateFields: string[] = [];
  const privateMembers: string[] = [];
  for (const member of ast.body.body as Any[]) {
    const key = member.key?.type === "PrivateIdentifier" ? `#${member.key.name}` : (member.key?.name ?? member.key?.value);
    // Instance members only: a `static #count` lives on the class, which is hashed with its code.
    if (member.key?.type === "PrivateIdentifier" && !member.static) {
      privateMembers.push(key);
      if (member.type === "PropertyDefinition") privateFields.push(key);
    }
    if (member.type === "MethodDefinition" && key !== undefined) {
      const name = `${member.static ? "static " : ""}${member.kind === "get" || member.kind === "set" ? member.kind + " " : ""}${key}`;
      methods.set(name, text.slice(member.start, member.end));
    }
  }
  if (COMPILED_PRIVATE.test(source)) {
    privateFields.push("compiled #private fields");
    privateMembers.push("compiled #private fields");
  }
  return { free: freeVariables(ast), methods, privateFields, privateMembers };
}

function freeVariables(ast: Any): FreeVariables {
  const free: FreeVariables = { names: new Set(), members: new Map(), reads: new Set(), writes: new Set(), methodCalls: new Set() };
  new Walker(free).visit(ast, new Scope(undefined));
  for (const name of free.names) free.members.delete(name);
  return free;
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

class Walker {
  /** Keys (`n` or `n.m`) being assigned a value computed from themselves: `n = n + 1` only writes n. */
  readonly #selfUpdates: string[] = [];

  constructor(readonly free: FreeVariables) {}

  visit(node: Any | null | undefined, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case "Identifier":
        return this.#use(node.name, scope, true);
      case "ThisExpression":
        return this.#use("this", scope, true);
      case "ExpressionStatement":
        return this.#effect(node.expression, scope);
      case "ForStatement":
        return this.#forStatement(node, scope);
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return this.#function(node, scope);
      case "ClassDeclaration":
      case "ClassExpression": {
        const inner = new Scope(scope);
        if (node.id) inner.names.add(node.id.name);
        inner.names.add("this"); // field initialisers and static blocks: the instance or the class
        this.visit(node.superClass, scope);
        return this.visit(node.body, inner);
      }
      case "BlockStatement":
      case "StaticBlock":
        return this.#block(node.body, scope);
      case "ForInStatement":
      case "ForOfStatement": {
        const inner = new Scope(scope);
        const head = node.left;
        if (head?.type === "VariableDeclaration" && head.kind !== "var") for (const d of head.declarations) declare(d.id, inner);
        if (head && head.type !== "VariableDeclaration") {
          this.#target(head, inner);
          this.visit(node.right, inner);
          return this.visit(node.body, inner);
        }
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
        return this.#member(node, scope, true);
      case "AssignmentExpression":
      case "UpdateExpression":
        // Its value is used (`y = calls++`): what it writes is read too.
        this.#effect(node, scope);
        return this.visit(node.left ?? node.argument, scope);
      case "SequenceExpression":
        // `(calls++, x * 2)`: only the last value is used.
        node.expressions.forEach((e: Any, i: number) => (i < node.expressions.length - 1 ? this.#effect(e, scope) : this.visit(e, scope)));
        return;
      case "CallExpression":
        if (node.callee.type === "MemberExpression" && node.callee.object.type === "Identifier" && !scope.has(node.callee.object.name)) {
          this.free.methodCalls.add(node.callee.object.name);
        }
        return this.#children(node, scope);
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

  /** `for (init; test; update)`: its init and update are statements (their values are dropped). */
  #forStatement(node: Any, outer: Scope): void {
    const scope = new Scope(outer);
    if (node.init?.type === "VariableDeclaration") {
      if (node.init.kind !== "var") for (const d of node.init.declarations) declare(d.id, scope);
      this.visit(node.init, scope);
    } else if (node.init) this.#effect(node.init, scope);
    this.visit(node.test, scope);
    if (node.update) this.#effect(node.update, scope);
    this.visit(node.body, scope);
  }

  /** An expression whose value is dropped: what it assigns, counts or mutates is written, not read. */
  #effect(node: Any, scope: Scope): void {
    switch (node.type) {
      case "AssignmentExpression": {
        this.#target(node.left, scope);
        const synced = syncedWrite(node.right);
        if (synced) {
          // tslab keeps a cell's exports in step with its variables: `exports.n = (n++, n)`,
          // `exports.n = n += 2`: the variable's new value is only stored, not used.
          for (const write of synced) this.#effect(write, scope);
          return;
        }
        const key = targetKey(node.left, scope);
        if (key) this.#selfUpdates.push(key);
        this.visit(node.right, scope);
        if (key) this.#selfUpdates.pop();
        return;
      }
      case "UpdateExpression":
        return this.#target(node.argument, scope);
      case "SequenceExpression":
        for (const e of node.expressions) this.#effect(e, scope);
        return;
      case "AwaitExpression":
      case "ChainExpression":
        return this.#effect(node.argument ?? node.expression, scope);
      case "UnaryExpression":
        return node.operator === "void" ? this.#effect(node.argument, scope) : this.visit(node, scope);
      case "LogicalExpression":
        this.visit(node.left, scope);
        return this.#effect(node.right, scope);
      case "ConditionalExpression":
        this.visit(node.test, scope);
        this.#effect(node.consequent, scope);
        return this.#effect(node.alternate, scope);
      case "CallExpression":
        // `seen.push(x)`: the receiver is mutated, its value not used (the callee's code still is).
        if (node.callee.type === "MemberExpression" && node.callee.object.type !== "Super") {
          this.#target(node.callee.object, scope);
          if (node.callee.computed) this.visit(node.callee.property, scope);
          for (const a of node.arguments) this.visit(a, scope);
          return;
        }
        return this.visit(node, scope);
      default:
        return this.visit(node, scope);
    }
  }

  /** Something assigned to or mutated: a variable, a member chain, or a destructuring pattern. */
  #target(node: Any, scope: Scope): void {
    switch (node.type) {
      case "Identifier":
        return this.#use(node.name, scope, false);
      case "MemberExpression":
        if (node.computed) this.visit(node.property, scope);
        if (node.object.type === "Identifier") return this.#member(node, scope, false);
        return this.#target(node.object, scope);
      case "ChainExpression":
        return this.#target(node.expression, scope);
      case "AssignmentPattern":
        this.#target(node.left, scope);
        return this.visit(node.right, scope);
      case "ArrayPattern":
        for (const e of node.elements) if (e) this.#target(e, scope);
        return;
      case "ObjectPattern":
        for (const p of node.properties) {
          if (p.type === "RestElement") this.#target(p.argument, scope);
          else {
            if (p.computed) this.visit(p.key, scope);
            this.#target(p.value, scope);
          }
        }
        return;
      case "RestElement":
        return this.#target(node.argument, scope);
      default:
        return this.visit(node, scope);
    }
  }

  #member(node: Any, scope: Scope, read: boolean): void {
    if (node.object.type === "Identifier" && !scope.has(node.object.name)) {
      if (node.computed) {
        this.visit(node.property, scope);
        return this.#use(node.object.name, scope, read);
      }
      return this.#useMember(node.object.name, node.property.name ?? String(node.property.value), read);
    }
    this.visit(node.object, scope);
    if (node.computed) this.visit(node.property, scope);
  }

  #function(node: Any, outer: Scope): void {
    const scope = new Scope(outer);
    if (node.type === "FunctionExpression" && node.id) scope.names.add(node.id.name);
    // An arrow function's `this` and `arguments` are its enclosing function's: free for a top-level arrow.
    if (node.type !== "ArrowFunctionExpression") scope.names.add("arguments").add("this");
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

  #use(name: string, scope: Scope, read: boolean): void {
    if (scope.has(name)) return;
    this.free.names.add(name);
    if (!read) this.free.writes.add(name);
    else if (!this.#selfUpdates.includes(name)) this.free.reads.add(name);
  }

  #useMember(name: string, member: string, read: boolean): void {
    let members = this.free.members.get(name);
    if (!members) this.free.members.set(name, (members = new Set()));
    members.add(member);
    const key = `${name}.${member}`;
    if (!read) this.free.writes.add(key);
    else if (!this.#selfUpdates.includes(key)) this.free.reads.add(key);
  }
}

/**
 * The writes of an expression that writes a variable and yields its new value (`n++`, `n = …`,
 * `(n++, n)`), so assigning that value elsewhere reads nothing more than the writes do.
 */
function syncedWrite(node: Any): Any[] | undefined {
  if ((node.type === "UpdateExpression" && node.argument.type === "Identifier") || (node.type === "AssignmentExpression" && node.left.type === "Identifier")) {
    return [node];
  }
  if (node.type !== "SequenceExpression") return undefined;
  const last = node.expressions.at(-1);
  const writes = node.expressions.slice(0, -1);
  const writesLast = (e: Any) => (e.type === "UpdateExpression" ? e.argument : e.type === "AssignmentExpression" ? e.left : undefined)?.name === last.name;
  return last.type === "Identifier" && writes.some(writesLast) ? writes : undefined;
}

/** The key (`n`, `n.m`) an assignment target writes, when it is a free variable or one of its members. */
function targetKey(node: Any, scope: Scope): string | undefined {
  if (node.type === "Identifier") return scope.has(node.name) ? undefined : node.name;
  if (node.type === "MemberExpression" && !node.computed && node.object.type === "Identifier" && !scope.has(node.object.name)) {
    return `${node.object.name}.${node.property.name ?? node.property.value}`;
  }
  return undefined;
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

export function* childNodes(node: Any): Generator<Any> {
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === "string") yield v;
    } else if (value && typeof value === "object" && typeof value.type === "string") yield value;
  }
}
