import { parse, type Node as AstNode } from "acorn";
import { scriptIdOf, scriptSource, type CodeLocation } from "./closure-scopes.js";
import * as walk from "acorn-walk";

/**
 * Whether a binding a function reads can be given another value after the function was hashed. A
 * binding that no code ever assigns (a `const`, an unassigned `let`, a function declaration, an
 * import of one of those) keeps its value: hashed once. The others (a `let` assigned somewhere, an
 * import of an exported `let` its module assigns) are read again at each run. Decided from the
 * script's source: a name assigned anywhere in it counts as assigned (over-approximating only costs
 * a re-read).
 */

type Any = AstNode & Record<string, any>;

interface ScriptFacts {
  /** Names assigned, updated or re-declared with a value anywhere in the script. */
  readonly assigned: Set<string>;
  /** Imported bindings: local name → module specifier and imported name ("*" for a namespace). */
  readonly imports: Map<string, { source: string; imported: string }>;
  /** Exported name → the local binding it exports. */
  readonly exports: Map<string, string>;
}

/** Facts of the scripts seen lately, by script id (notebook cells come and go: kept bounded). */
const facts = new Map<string, ScriptFacts | null>();
const MAX_SCRIPTS = 512;
/** Chains of re-exports followed at most this deep. */
const MAX_IMPORT_DEPTH = 8;

/** Whether binding `name`, found in a scope of kind `scope` around the code at `location`, never changes. */
export function bindingIsStable(location: CodeLocation | undefined, name: string, scope: string): boolean {
  // A classic script's top-level bindings (a REPL's) may be declared and assigned by any other script.
  if (!location || scope === "script" || scope === "with" || scope === "eval") return false;
  const script = factsOf(location.scriptId);
  if (!script || script.assigned.has(name)) return false;
  const imported = script.imports.get(name);
  return imported === undefined || importIsStable(location.url, imported, 0);
}

function importIsStable(fromUrl: string, { source, imported }: { source: string; imported: string }, depth: number): boolean {
  // A package's exports are library code (code-origin.ts); a namespace's members are read live anyway.
  if (imported === "*" || !(source.startsWith(".") || source.startsWith("/") || source.startsWith("file:"))) return true;
  if (depth > MAX_IMPORT_DEPTH || !fromUrl.startsWith("file:")) return false;
  const url = new URL(source, fromUrl).href;
  const scriptId = scriptIdOf(url);
  const exporter = scriptId === undefined ? undefined : factsOf(scriptId);
  const local = exporter?.exports.get(imported);
  if (!exporter || local === undefined || exporter.assigned.has(local)) return false;
  const reexported = exporter.imports.get(local);
  return reexported === undefined || importIsStable(url, reexported, depth + 1);
}

function factsOf(scriptId: string): ScriptFacts | undefined {
  let known = facts.get(scriptId);
  if (known === undefined) {
    const source = scriptSource(scriptId);
    known = source === undefined ? null : analyzeScript(source);
    if (facts.size >= MAX_SCRIPTS) facts.delete(facts.keys().next().value!);
    facts.set(scriptId, known);
  }
  return known ?? undefined;
}

function parseScript(source: string): Any | undefined {
  const options = { ecmaVersion: "latest", allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true } as const;
  for (const sourceType of ["module", "script"] as const) {
    try {
      return parse(source, { ...options, sourceType }) as Any;
    } catch {
      // A sloppy-mode script does not parse as a module: try it as a script.
    }
  }
  return undefined;
}

function analyzeScript(source: string): ScriptFacts | null {
  const ast = parseScript(source);
  if (!ast) return null;
  const result: ScriptFacts = { assigned: new Set(), imports: new Map(), exports: new Map() };
  const declaredVars = new Set<string>();
  walk.simple(ast, {
    AssignmentExpression: (node: Any) => targets(node.left, result.assigned),
    UpdateExpression: (node: Any) => targets(node.argument, result.assigned),
    ForInStatement: (node: Any) => void (node.left.type !== "VariableDeclaration" && targets(node.left, result.assigned)),
    ForOfStatement: (node: Any) => void (node.left.type !== "VariableDeclaration" && targets(node.left, result.assigned)),
    VariableDeclarator: (node: Any) => {
      // `var x = 1; … var x = 2;` assigns x again.
      if (node.init) for (const name of declared(node.id)) (declaredVars.has(name) ? result.assigned : declaredVars).add(name);
    },
    ImportDeclaration: (node: Any) => {
      for (const s of node.specifiers) {
        const imported = s.type === "ImportNamespaceSpecifier" ? "*" : s.type === "ImportDefaultSpecifier" ? "default" : (s.imported.name ?? s.imported.value);
        result.imports.set(s.local.name, { source: String(node.source.value), imported });
      }
    },
    ExportNamedDeclaration: (node: Any) => {
      if (node.declaration) for (const name of declaredBy(node.declaration)) result.exports.set(name, name);
      if (!node.source) for (const s of node.specifiers) result.exports.set(s.exported.name ?? s.exported.value, s.local.name ?? s.local.value);
    },
    ExportDefaultDeclaration: (node: Any) => {
      const d = node.declaration;
      result.exports.set("default", d.id ? d.id.name : d.type === "Identifier" ? d.name : "*default*");
    },
  });
  return result;
}

/** The identifiers an assignment target writes (member targets write no binding). */
function targets(node: Any, into: Set<string>): void {
  for (const name of declared(node)) into.add(name);
}

function declared(pattern: Any | null): string[] {
  if (!pattern) return [];
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name];
    case "AssignmentPattern":
      return declared(pattern.left);
    case "RestElement":
      return declared(pattern.argument);
    case "ArrayPattern":
      return pattern.elements.flatMap(declared);
    case "ObjectPattern":
      return pattern.properties.flatMap((p: Any) => declared(p.type === "RestElement" ? p.argument : p.value));
    default:
      return [];
  }
}

function declaredBy(declaration: Any): string[] {
  if (declaration.type === "VariableDeclaration") return declaration.declarations.flatMap((d: Any) => declared(d.id));
  return declaration.id ? [declaration.id.name] : [];
}
