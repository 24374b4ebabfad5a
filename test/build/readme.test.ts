/**
 * What README.md promises and shows: the configuration table lists every variable
 * lib/config.ts reads (with its default and meaning), the credential variables and the local
 * stack's own; its commands run scripts that exist and do what it says; its route table and
 * problem examples are the API's.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect } from "amqplib";
import yaml from "js-yaml";
import { expect, it } from "vitest";
import { loadConfig, SETTINGS } from "../../lib/config";
import { API_ROUTES } from "../../lib/http/api";
import { problemForError } from "../../lib/http/error-problem";
import { PROBLEM_KIND_NAMES } from "../../lib/http/problem";
import { ROOT } from "../../scripts/build";

const CREDENTIALS = [
  "TENCENTCLOUD_SECRET_ID",
  "TENCENTCLOUD_SECRET_KEY",
  "TENCENTCLOUD_SESSION_TOKEN",
  "TENCENTCLOUD_SECRETID",
  "TENCENTCLOUD_SECRETKEY",
  "TENCENTCLOUD_SESSIONTOKEN",
];
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

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const sectionOf = (title: string) => {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  expect(section, `README.md has a section "${title}"`).toBeDefined();
  return section!;
};
const codeBlocks = (text: string, language: string) =>
  [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);

it("runs only npm scripts that exist", () => {
  const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts);
  const used = new Set([...README.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!));
  expect(used.size).toBeGreaterThan(5);
  for (const name of used) expect(scripts, `npm run ${name}`).toContain(name);
});

it("Quickstart: npm start in one terminal, npm test in another with its time and the services it needs", () => {
  const quickstart = sectionOf("Quickstart");
  const blocks = codeBlocks(quickstart, "sh");
  expect(blocks[0]).toBe("npm ci\nnpm start\n");
  expect(blocks[1]).toBe("npm test\n");
  expect(quickstart).toMatch(/about \d+\s+minutes/);
  expect(quickstart).toMatch(/Redis on 127\.0\.0\.1:6379/);
  expect(quickstart).toMatch(/RabbitMQ on 127\.0\.0\.1:5672/);
});

it("Quickstart: the command that declares the AMQP exchange declares it", async () => {
  const [command] = codeBlocks(sectionOf("Quickstart"), "sh").filter((b) => b.startsWith("node -e"));
  expect(command).toBeDefined();
  // The README's command, on an exchange of this test's own.
  const exchange = `readme-${randomUUID()}`;
  const ours = command!
    .trim()
    .replaceAll("'nettask'", `'${exchange}'`)
    .replace("exchange nettask declared", `exchange ${exchange} declared`);
  expect(ours).not.toBe(command!.trim());
  const { stdout } = await promisify(execFile)("sh", ["-c", ours], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 30_000,
  });
  expect(stdout.trim()).toBe(`exchange ${exchange} declared`);
  const connection = await connect("amqp://guest:guest@127.0.0.1:5672");
  try {
    const channel = await connection.createChannel();
    await channel.checkExchange(exchange);
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
});

it("documents every route of the API, and no route it does not have", () => {
  const table = sectionOf("The HTTP API");
  const documented = [...table.matchAll(/^\| `(GET|POST|DELETE) (\/[^`?]*)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  const routes = API_ROUTES.filter((r) => r.path !== "/openapi.json")
    .map((r) => `${r.method} ${r.path}`)
    .sort();
  expect(documented).toEqual(routes);
});

it("shows problems as the API answers them, with types the API serves", () => {
  const examples = codeBlocks(sectionOf("The HTTP API"), "json")
    .filter((b) => b.includes('"type":"/problems/'))
    .map((b) => JSON.parse(b));
  expect(examples).toHaveLength(2);
  for (const example of examples) expect(PROBLEM_KIND_NAMES).toContain(example.type.slice("/problems/".length));
  let refused: unknown;
  try {
    loadConfig({ POLL_RATE_LIMIT: "fast" });
  } catch (error) {
    refused = error;
  }
  expect(problemForError(refused)!.toJSON()).toEqual(examples[1]);
});

it("names the ports serverless-offline listens on as serverless.yml sets them", () => {
  const offline = (
    yaml.load(readFileSync(join(ROOT, "serverless.yml"), "utf8")) as { custom: { "serverless-offline": Record<string, unknown> } }
  ).custom["serverless-offline"];
  expect(offline).toMatchObject({ host: "127.0.0.1", httpPort: 4000, lambdaPort: 4002, websocketPort: 4001, albPort: 4003 });
  expect(sectionOf("Run the AWS functions locally")).toMatch(/`http:\/\/127\.0\.0\.1:4000`.*\n.*\n.*\n.*\n.*Ports 4000–4003/);
});
