/**
 * The README's configuration table lists every variable lib/config.ts reads (with its default
 * and meaning), the credential variables and the local stack's own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SETTINGS } from "../../lib/config";
import { ROOT } from "../../scripts/build";

const CREDENTIALS = ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN"];
const LOCAL_STACK = [
  "PORT",
  "EMULATOR_PORT",
  "EMULATOR_ASYNC_TASK_MS",
  "EMULATOR_RATE_LIMIT",
  "EMULATOR_SECRET_ID",
  "EMULATOR_SECRET_KEY",
  "INBOX_PORT",
  "POLL_INTERVAL_MS",
  "INBOX_SECRET",
];

/** variable → [default, meaning] from the table under "## Configuration". */
function configurationTable(): Map<string, [string, string]> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Configuration\n"));
  expect(section, "README.md has a Configuration section").toBeDefined();
  const rows = new Map<string, [string, string]>();
  for (const line of section!.split("\n")) {
    const cells = /^\|\s*`([A-Z0-9_]+)`\s*\|(.*)\|(.*)\|\s*$/.exec(line);
    if (cells) rows.set(cells[1]!, [cells[2]!.trim(), cells[3]!.trim()]);
  }
  return rows;
}

it("lists every setting with its default and meaning", () => {
  const table = configurationTable();
  for (const setting of Object.values(SETTINGS)) {
    const row = table.get(setting.env);
    expect(row, `${setting.env} is missing from README.md's configuration table`).toBeDefined();
    const [shown, meaning] = row!;
    expect(meaning.length, `${setting.env} has no meaning`).toBeGreaterThan(10);
    if (setting.default === "") expect(shown, setting.env).toMatch(/^\(empty/);
    else if (!Array.isArray(setting.default)) expect(shown, setting.env).toBe(`\`${String(setting.default)}\``);
    else expect(shown.length, setting.env).toBeGreaterThan(0);
  }
});

it("lists the credential variables and the local stack's variables", () => {
  const table = configurationTable();
  for (const name of [...CREDENTIALS, ...LOCAL_STACK]) expect(table.has(name), `${name} is missing`).toBe(true);
});
