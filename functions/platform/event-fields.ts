/** Reading fields of platform events, which arrive as untyped JSON. */
export type Fields = Record<string, unknown>;

export function fieldsOf(value: unknown): Fields | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Fields) : undefined;
}

export function textOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
