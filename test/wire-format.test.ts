// The one format WorkerEngine and BullMQEngine send errors and stateful resources in: it must come back
// the same through a worker thread (structured clone) and through Redis (serialization.ts's bytes).
import { describe, expect, it } from "vitest";
import { NodeExecutionError, stateful } from "hypernodes";
import { decode, encode } from "../src/cache/serialization.js";
import { packError, packNodeFailure, standInFor, standInIdentity, unpackError, unpackNodeFailure } from "../src/engines/wire-format.js";

/** What the receiving side gets: by structured clone (WorkerEngine) and by our bytes (BullMQEngine). */
const transports: [string, <T>(value: T) => T][] = [
  ["a worker thread", (value) => structuredClone(value)],
  ["Redis", (value) => decode(encode(value)) as typeof value],
];

class Response {
  constructor(readonly status: number) {}
}

describe.each(transports)("the wire format, through %s", (_, send) => {
  it("rebuilds an Error with its name, message, stack and the fields that cross", () => {
    const original = Object.assign(new RangeError("bad 3"), {
      code: "E_BAD",
      retries: 2,
      missing: null,
      details: { status: 404, tags: new Set(["a"]), at: new Date(5) },
      retry: () => {},
      response: new Response(500),
    });
    const rebuilt = unpackError(send(packError(original))) as Error & Record<string, unknown>;
    expect(rebuilt).toBeInstanceOf(Error);
    expect([rebuilt.name, rebuilt.message, rebuilt.stack]).toEqual(["RangeError", "bad 3", original.stack]);
    const { name: _, ...fields } = rebuilt; // `name` is set as an own property, as the rebuilt error has Error's prototype
    expect(fields).toEqual({ code: "E_BAD", retries: 2, missing: null, details: { status: 404, tags: new Set(["a"]), at: new Date(5) } });
  });

  it("sends other thrown values as themselves, or as their text when they cannot cross", () => {
    expect(unpackError(send(packError("plain text")))).toBe("plain text");
    expect(unpackError(send(packError({ reason: "quota" })))).toEqual({ reason: "quota" });
    expect(unpackError(send(packError(new Response(503))))).toBe("[object Object]");
  });

  it("rebuilds a node failure with its node path and item path, below the levels the receiver numbers", () => {
    const failure = new NodeExecutionError("square", Object.assign(new TypeError("no"), { code: 7 })).withinItem(4).withinNode("inner").withinItem(1);
    const same = unpackNodeFailure(send(packNodeFailure(failure)));
    expect(same).toBeInstanceOf(NodeExecutionError);
    expect(same.message).toBe(failure.message);
    expect([same.nodeName, same.path, same.itemPath]).toEqual(["square", ["inner", "square"], [1, 4]]);
    expect([(same.cause as Error).name, (same.cause as { code: number }).code]).toEqual(["TypeError", 7]);
    const below = unpackNodeFailure(send(packNodeFailure(failure, 1))).withinItem(9);
    expect(below.message).toBe("Node 'square' (in inner > square) failed at map item 9 > 4: no");
  });

  it("sends a stateful resource as a stand-in carrying its identity and key, never the resource", () => {
    let created = 0;
    const model = stateful(() => ({ created: ++created }), { key: "model@1" });
    const arrived = send(standInFor(model));
    expect(standInIdentity(arrived)).toEqual({ id: model.id, key: "model@1" });
    expect(created).toBe(0);
    for (const value of [undefined, null, 3, "model@1", { id: model.id }, [model.id]]) expect(standInIdentity(send(value))).toBeUndefined();
  });
});
