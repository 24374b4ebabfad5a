/**
 * Checks of the specs the emulator is driven with (tasks, faults), with the same field-naming
 * messages as the rest of nettask-relay. A dev tool may compile schemas at start-up; the
 * functions never do (their validators are precompiled).
 */
import Ajv2020 from "ajv/dist/2020.js";
import { describeErrors, ValidationError } from "../../lib/schemas/validate";

const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, messages: false, strictRequired: false });

/** A function that returns its argument typed as T, or throws a ValidationError naming each bad field. */
export function specChecker<T>(schema: object, subject: string): (value: unknown) => T {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return value as T;
    throw new ValidationError(subject, describeErrors(validate.errors ?? []));
  };
}
