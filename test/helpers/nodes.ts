import { node, type AnyFunction, type Node, type NodeOptions, type OutputNames } from "hypernodes";

/** A node built by countingNode, and how many times its function has been called so far. */
export interface CountingNode<N> {
  readonly node: N;
  /** Goes up by one on every call of the function (read it off the object: a destructured copy does not move). */
  calls: number;
}

/**
 * `node(fn, options)`, except that every call of fn is counted in `.calls` (cache hits do not call it).
 *
 * The node's inputs, name and output names are read from fn as node() would read them; fn's code joins the
 * node's code hash (through `deps`), so distinct functions keep distinct cache entries. fn must take its
 * inputs positionally and without defaults: a counting wrapper could not keep those.
 */
export function countingNode<F extends AnyFunction, const O extends OutputNames = string>(
  fn: F,
  options: NodeOptions<O> = {},
): CountingNode<Node<F, O>> {
  const plain = node(fn, options);
  if (plain.parameterStyle !== "positional" || plain.optionalArgs.size > 0) {
    throw new Error(`countingNode(${plain.name}): only positional inputs without defaults can be counted`);
  }
  const counted = (...args: unknown[]) => {
    result.calls++;
    return fn(...args);
  };
  const result: CountingNode<Node<F, O>> = {
    node: node(counted as F, {
      ...options,
      outputName: plain.outputName,
      name: plain.name,
      inputs: plain.rootArgs,
      deps: [fn, ...(options.deps ?? [])],
    }),
    calls: 0,
  };
  return result;
}

/** The `.calls` of each counting node, under the same keys: `callCounts({ a, b })` → `{ a: 1, b: 0 }`. */
export function callCounts<K extends string>(counted: Record<K, { calls: number }>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(counted) as K[]) out[key] = counted[key].calls;
  return out;
}

/** A node `(x) => x` that throws `error` instead for the inputs `when` picks (`when`'s code joins its code hash). */
export function throwingNode<const O extends OutputNames = string>(
  error: unknown,
  when: (x: number) => boolean,
  options: NodeOptions<O>,
) {
  return node(
    (x: number) => {
      if (when(x)) throw error;
      return x;
    },
    { ...options, deps: [when, ...(options.deps ?? [])] },
  );
}
