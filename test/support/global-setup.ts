import { writeValidators } from "../../scripts/gen-validators";

/** Tests run against validators generated from the current schemas, never stale ones. */
export default function setup(): void {
  writeValidators();
}
