import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sources(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && /\.[cm]?[jt]s$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

describe("the emulator stays a dev and test tool", () => {
  it("is imported by nothing under lib/ or functions/", () => {
    const files = [...sources("lib"), ...sources("functions")];
    expect(files.length).toBeGreaterThan(0);
    const importers = files.filter((file) =>
      /from\s+["'][^"']*scripts\/emulator|import\(\s*["'][^"']*scripts\/emulator/.test(readFileSync(file, "utf8")),
    );
    expect(importers).toEqual([]);
  });
});
