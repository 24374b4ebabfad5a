import { ValidationError, type FieldError } from "../../lib/schemas/validate";

/** The field errors `action` throws as a ValidationError; fails if it throws anything else or nothing. */
export function fieldErrors(action: () => unknown): FieldError[] {
  try {
    action();
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error("the bad input was accepted");
}
