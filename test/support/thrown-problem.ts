import { HttpProblem } from "../../lib/http/problem";

/** The HttpProblem `fn` throws; fails the test if it throws nothing or something else. */
export function thrownProblem(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("expected an HttpProblem to be thrown");
}
