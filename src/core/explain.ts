import type { Cache } from "../cache/cache.js";
import type { CodePart } from "../identity/code-identity.js";
import { HyperNodesError } from "./errors.js";
import { planOf, type ExecutionPlan, type Step } from "./execution-plan.js";
import { PipelineNode } from "./pipeline-node.js";
import { storeOutputs } from "../execution/node-execution.js";
import { recordKey, saltedEnv, type SignatureRecord } from "../identity/signature.js";

/** What the next run would do for one node, and why. */
export interface NodeExplanation {
  node: string;
  /** "hit": served from the cache; "miss": would run; "uncached": runs every time (`cache: false`). */
  status: "hit" | "miss" | "uncached";
  signature: string;
  /** For a miss: what changed since the last execution recorded in the cache. */
  reason?: string;
  changed?: { code: boolean; inputs: string[]; upstream: string[] };
  /**
   * A nested pipeline (not mapped) that would run: what each of its own nodes would do, and why. Known
   * when the values it would be given are: inputs, or outputs of nodes served from the cache.
   */
  nodes?: NodeExplanation[];
}

/**
 * For each node of a plan, whether the next run with `inputs` would hit the cache, and on a miss
 * which part of the signature changed since the node's last recorded execution: its code, a named
 * root input, or an upstream node.
 */
export async function explainPlan(
  plan: ExecutionPlan,
  inputs: Record<string, unknown>,
  cache: Cache | undefined,
  env: string,
  hierarchyPath: readonly string[],
): Promise<NodeExplanation[]> {
  if (!cache) throw new HyperNodesError("explain() needs a pipeline with a cache");
  plan.checkInputs(inputs);
  const state = plan.initialState(inputs, true);
  // Steps downstream of a `cache: false` node cannot be signed without running it.
  const signatures = plan.steps.map((step) => (step.node.cache && !step.deferred ? state.signatureOf(step, env) : ""));
  const recordKeys = plan.steps.map((step) => recordKey(env, hierarchyPath, step.node.name));
  const found = await cache.getMany([...signatures, ...recordKeys]);
  const producers = new Map(plan.steps.flatMap((step) => step.node.outputNames.map((o) => [o, step.node.name] as const)));
  const explained = plan.steps.map((step, i): NodeExplanation => {
    const signature = signatures[i]!;
    const node = step.node.name;
    if (!step.node.cache) return { node, status: "uncached", signature };
    if (step.deferred) return { node, status: "miss", signature, reason: "it depends on a `cache: false` node, which always runs" };
    if (found.has(signature)) return { node, status: "hit", signature };
    const last = found.get(recordKeys[i]!) as SignatureRecord | undefined;
    if (!last) return { node, status: "miss", signature, reason: "no execution of this node is recorded in the cache" };
    const now = state.argHashesOf(step);
    const changedArgs = step.node.rootArgs.filter((arg, k) => {
      const before = last.argNames.indexOf(arg);
      return before < 0 || last.argHashes[before] !== now[k];
    });
    const changed = {
      code: last.codeHash !== state.codeHashes[i],
      inputs: changedArgs.filter((a) => !producers.has(a)),
      upstream: [...new Set(changedArgs.filter((a) => producers.has(a)).map((a) => producers.get(a)!))],
    };
    const parts = [
      ...(changed.code ? codeChanges(last.codeParts, step.node.codeParts?.()) : []),
      ...changed.inputs.map((a) => `input '${a}' changed`),
      ...changed.upstream.map((u) => `upstream node '${u}' changed`),
    ];
    const reason = parts.length ? parts.join("; ") : "the cache environment (format version or salt) changed, or its entry was removed";
    return { node, status: "miss", signature, reason, changed };
  });
  // Nested pipelines that would run, explained node by node with the values they would get: a hit's
  // outputs (from the cache) are the next steps' inputs.
  const known = new Set<Step>();
  for (const [i, step] of plan.steps.entries()) {
    const explanation = explained[i]!;
    if (explanation.status === "hit") {
      try {
        storeOutputs(step, state, found.get(explanation.signature));
        known.add(step);
      } catch {
        // An entry whose shape no longer fits the node (its outputs changed under a fixed `version`): the
        // run will say so; explain just cannot look past it.
      }
    } else if (step.node instanceof PipelineNode && !step.node.mapOver && step.argSlots.every((slot) => !plan.producers[slot] || known.has(plan.producers[slot]!))) {
      const { inputs: innerInputs, plan: inner } = step.node.innerCall(state.argsOf(step));
      const innerEnv = saltedEnv(env, step.node.pipeline.cacheSalt); // as the run's nested scope signs
      explanation.nodes = await explainPlan(planOf(inner), innerInputs, cache, innerEnv, [...hierarchyPath, step.node.name]);
    }
  }
  return explained;
}

/**
 * What changed in a node's code, as precisely as the recorded parts tell: "closure variable 'k'
 * changed", "helper 'tokenize' (module ./text.js) changed", "method 'apply' of class 'Scaler' changed",
 * "constant 'STOP' (module ./text.js), read by helper 'tokenize', changed".
 */
function codeChanges(before: CodePart[] | undefined, now: CodePart[] | undefined): string[] {
  if (!before || !now) return ["its code changed"];
  const reasons = changedParts(before, now, undefined);
  return reasons.length ? reasons : ["its code changed"];
}

function changedParts(before: CodePart[], now: CodePart[], within: string | undefined): string[] {
  const old = new Map(before.map((p) => [p.label, p]));
  const reasons: string[] = [];
  for (const part of now) {
    const was = old.get(part.label);
    old.delete(part.label);
    if (was?.hash === part.hash) continue;
    const inner = was?.parts && part.parts ? changedParts(was.parts, part.parts, part.label) : [];
    reasons.push(...(inner.length ? inner : [describeChange(part.label, within)]));
  }
  for (const gone of old.values()) reasons.push(`${within ? `${within} no longer reads` : "it no longer reads"} ${gone.label}`);
  // A class's source holds its methods: a changed method says more than "the class changed".
  const methods = reasons.filter((r) => r.startsWith("method "));
  return methods.length ? [...methods, ...reasons.filter((r) => !r.startsWith("method ") && r !== describeChange("code", within))] : reasons;
}

function describeChange(label: string, within: string | undefined): string {
  if (label === "code" || label === "version") return within ? `${within} changed` : `its ${label} changed`;
  if (!within) return `${label} changed`;
  const owner = within.replace(/ \(module .*\)$/, "");
  if (label.startsWith("method ")) return `${label} of ${owner} changed`;
  return `${label}, read by ${owner}, changed`;
}
