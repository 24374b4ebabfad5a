/** Settings of the dev tools (emulator, inbox, local stack), read from the environment. */
type Env = Readonly<Record<string, string | undefined>>;

/** A whole number from 0 to `max`, or `fallback` when unset; a clear error naming the variable otherwise. */
export function wholeNumber(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new Error(`${name} must be a whole number from 0 to ${max}, got "${raw}"`);
  return Number(raw);
}
