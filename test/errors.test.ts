/**
 * lib/errors.ts: the relay's errors are recognised by `instanceof` across copies of their
 * classes, as the bundles' lazy chunks each carry their own copy.
 */
import { describe, expect, it, vi } from "vitest";
import { ConflictError, RelayError } from "../lib/errors";
import { HttpProblem } from "../lib/http/problem";
import { ValidationError } from "../lib/schemas/validate";

async function secondCopy() {
  vi.resetModules();
  const errors = await import("../lib/errors");
  const { HttpProblem } = await import("../lib/http/problem");
  expect(errors.ConflictError).not.toBe(ConflictError);
  return { ...errors, HttpProblem };
}

describe("RelayError", () => {
  it("names each error after its class, as minifying cannot change", () => {
    expect(new ConflictError("x").name).toBe("ConflictError");
    expect(new HttpProblem("not-found", "x").name).toBe("HttpProblem");
    expect(String(new ValidationError("request body", []))).toMatch(/^ValidationError: /);
  });

  it("is recognised across copies of the classes, by the class and its bases only", async () => {
    const other = await secondCopy();
    const conflict = new other.ConflictError("watch w_x is changing too fast");
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toBeInstanceOf(RelayError);
    expect(conflict).toBeInstanceOf(Error);
    expect(conflict).not.toBeInstanceOf(HttpProblem);
    expect(new other.HttpProblem("conflict", "x")).toBeInstanceOf(HttpProblem);
    expect(new HttpProblem("conflict", "x")).toBeInstanceOf(other.RelayError);
    expect(new HttpProblem("conflict", "x")).not.toBeInstanceOf(other.ConflictError);
  });

  it("says its kind, which another copy's error-to-problem mapping answers by", async () => {
    const other = await secondCopy();
    const { problemForError } = await import("../lib/http/error-problem");
    expect(new ConflictError("x").kind).toBe("conflict");
    expect(new RelayError("x").kind).toBe("internal");
    expect(problemForError(new ConflictError("watch w_x has no outcome to deliver yet"))).toMatchObject({
      status: 409,
      detail: "watch w_x has no outcome to deliver yet",
    });
    expect(problemForError(new other.RelayError("x"))).toBeUndefined();
  });

  it("does not take other errors or values for its own", () => {
    for (const value of [new Error("x"), new TypeError("x"), { name: "ConflictError" }, "ConflictError", null, undefined, 1]) {
      expect(value instanceof RelayError).toBe(false);
      expect(value instanceof ConflictError).toBe(false);
    }
  });
});
