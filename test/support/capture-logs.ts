import { vi } from "vitest";

/** Runs `run` with stdout captured: the JSON log lines it wrote, and its result or error. */
export async function captureLogs<T>(run: () => Promise<T>): Promise<{ logs: any[]; result?: T; error?: unknown }> {
  const logs: any[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line));
    return true;
  });
  try {
    return { logs, result: await run() };
  } catch (error) {
    return { logs, error };
  } finally {
    spy.mockRestore();
  }
}
