/**
 * The schemas are plain objects that embed shared pieces by reference (so their TypeScript
 * types stay plain). Both the validator generator and the OpenAPI document turn each embedding
 * of a named piece back into a `$ref`, here.
 */

/**
 * A copy of `node` in which every embedded schema that `refOf` names becomes `{ $ref }`, and
 * `$id`s are dropped (the ref's target is what counts). `self`, the schema being written out
 * under its own name, is copied rather than referred to. `finish` may adjust each copied object.
 */
export function withRefs(
  node: unknown,
  refOf: ReadonlyMap<object, string>,
  self?: object,
  finish?: (original: object, copy: Record<string, unknown>) => void,
): unknown {
  if (Array.isArray(node)) return node.map((n) => withRefs(n, refOf, undefined, finish));
  if (node === null || typeof node !== "object") return node;
  const ref = node === self ? undefined : refOf.get(node);
  if (ref !== undefined) return { $ref: ref };
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (key !== "$id") copy[key] = withRefs(value, refOf, undefined, finish);
  finish?.(node, copy);
  return copy;
}
