/**
 * The base of the relay's own errors, and those that belong to no one part.
 *
 * `instanceof` compares the names the classes give themselves, not class identity: the
 * bundles load parts of the code as chunks (scripts/build/lazy-chunks.ts), each bundled with
 * its own copy of these classes, and an error thrown in one chunk is caught in another.
 */
const LINEAGE = Symbol.for("nettask-relay.error-lineage");

/**
 * What a failure is to whoever asked for the work. Each kind is one problem type of the HTTP
 * API, and lib/http/problem.ts holds the one table of their statuses and titles; the rest of
 * lib names a failure's kind and never a status.
 */
export type ErrorKind =
  | "bad-request"
  | "unauthorized"
  | "not-found"
  | "method-not-allowed"
  | "conflict"
  | "payload-too-large"
  | "unsupported-media-type"
  | "invalid-input"
  | "internal"
  | "upstream-failed"
  | "upstream-busy"
  | "unavailable"
  | "upstream-timeout";

export class RelayError extends Error {
  /** The class's name; each subclass sets its own (minifying renames the classes themselves). */
  static readonly errorName: string = "RelayError";
  /** A subclass says what it is; one that does not is a failure of the relay itself. */
  readonly kind: ErrorKind = "internal";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const lineage: string[] = [];
    for (let type: object = new.target; Object.hasOwn(type, "errorName"); type = Object.getPrototypeOf(type)) {
      lineage.push((type as typeof RelayError).errorName);
    }
    this.name = lineage[0]!;
    Object.defineProperty(this, LINEAGE, { value: lineage });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    const lineage: unknown = typeof value === "object" && value !== null ? (value as Record<symbol, unknown>)[LINEAGE] : undefined;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked about (x instanceof ConflictError), not RelayError.
    return Array.isArray(lineage) && lineage.includes(this.errorName);
  }
}

/** The request conflicts with the watch's state (e.g. redelivering a watch with no outcome yet). */
export class ConflictError extends RelayError {
  static override readonly errorName = "ConflictError";
  override readonly kind = "conflict";
}
