// What leaves a process (warnings, a worker's logs, the errors a worker sends back) shows no secret.
import { describe, expect, it } from "vitest";
import { redact, redactDeep, rememberSecret } from "../src/security/redaction.js";

describe("redaction", () => {
  it("hides passwords in URLs, in user:password@ and in ?password=, and leaves the rest as it was", () => {
    expect(redact("serving at redis://default:s3cret-pw@10.0.0.5:6379/0 now")).toBe("serving at redis://default:***@10.0.0.5:6379/0 now");
    expect(redact("redis://:p@ss@h:1 and rediss://u:x@h2")).toBe("redis://:***@h:1 and rediss://u:***@h2");
    expect(redact("redis://h:6379/0?password=hunter22&db=1")).toBe("redis://h:6379/0?password=***&db=1");
    expect(redact("redis://h:6379, http://user@host, a=b")).toBe("redis://h:6379, http://user@host, a=b");
  });

  it("hides a secret this process was given wherever it appears, when it is long enough not to be a word", () => {
    rememberSecret("Zq8-long-redis-password");
    rememberSecret("short");
    expect(redact("AUTH Zq8-long-redis-password failed (short)")).toBe("AUTH *** failed (short)");
  });

  it("reaches into an Error's message, stack, fields and cause, plain objects, arrays and thrown strings, through cycles and frozen parts", () => {
    const cause = new Error("AUTH failed at redis://:pw-one-two@h");
    const error = Object.assign(new Error("cannot reach redis://:pw-one-two@h", { cause }), {
      url: "redis://:pw-one-two@h",
      command: { name: "auth", args: ["redis://:pw-one-two@h"] },
      frozen: Object.freeze({ url: "redis://:pw-one-two@h" }),
    });
    (error as unknown as { self: unknown }).self = error;
    expect(redactDeep(error)).toBe(error);
    expect([error.message, error.stack!.split("\n")[0], error.url, error.command.args[0], cause.message]).toEqual([
      "cannot reach redis://:***@h",
      "Error: cannot reach redis://:***@h",
      "redis://:***@h",
      "redis://:***@h",
      "AUTH failed at redis://:***@h",
    ]);
    expect(error.frozen).toEqual({ url: "redis://:***@h" }); // a copy in its place
    expect(redactDeep(["thrown redis://:pw-one-two@h"])).toEqual(["thrown redis://:***@h"]);
    class Model {
      url = "redis://:pw-one-two@h";
    }
    expect(redactDeep(new Model()).url).toBe("redis://:pw-one-two@h"); // a class instance is not walked
  });
});
