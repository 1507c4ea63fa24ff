// The module bench/distributed.js maps on BullMQEngine, loaded by its hypernodes-worker processes too.
import { node, Pipeline } from "hypernodes";

const spinNode = node(
  (x) => {
    const end = performance.now() + 20;
    while (performance.now() < end); // 20 ms of CPU
    return x * 2;
  },
  { outputName: "y", name: "spin" },
);

export const spinning = new Pipeline({ nodes: [spinNode] });
