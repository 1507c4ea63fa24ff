// The workloads the issues name, shared by the benchmark scripts.
import { node, Pipeline } from "hypernodes";

/** x -> a, a -> b, (a, b) -> c with trivial arithmetic. */
export function threeNodePipeline(options = {}) {
  const a = node((x) => x + 1, { outputName: "a", name: "a" });
  const b = node((a) => a * 2, { outputName: "b", name: "b" });
  const c = node((a, b) => a + b, { outputName: "c", name: "c" });
  return new Pipeline({ nodes: [a, b, c], ...options });
}

export const range = (n, offset = 0) => Array.from({ length: n }, (_, i) => i + offset);
