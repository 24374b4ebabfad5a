/**
 * deploy/scf/serverless.yml, checked offline against the code package `npm run package` writes:
 * a multi-scf component on Nodejs20.19 whose handlers exist in the zip and export their names,
 * a timer with a valid 7-field cron and a valid argument, environments under SCF's 4 KB.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SETTINGS } from "../../lib/config";
import { check } from "../../lib/schemas/validate-watch";
import { build, ROOT, type BuiltFunction } from "../../scripts/build";
import { writeScfZip } from "../../scripts/build/package";

interface ScfFunction {
  handler: string;
  runtime?: string;
  timeout: number;
  environment: { variables: Record<string, string | number | boolean> };
}
interface Descriptor {
  component: string;
  inputs: {
    src: { src: string; exclude: string[] };
    runtime: string;
    functions: Record<string, ScfFunction>;
    triggers: { type: string; function: string; parameters: Record<string, any> }[];
  };
}

const DESCRIPTOR_DIR = join(ROOT, "deploy", "scf");
const descriptor = yaml.load(readFileSync(join(DESCRIPTOR_DIR, "serverless.yml"), "utf8")) as Descriptor;
const { inputs } = descriptor;
const SCF_ENV_LIMIT = 4 * 1024;
/** What a `${env:NAME}` value may grow to at deploy time (a redis:// URL with a password, a token). */
const PLACEHOLDER_ALLOWANCE = 512;

let built: BuiltFunction[];
let work: string;
let unpacked: string;
let zipFile: string;

beforeAll(async () => {
  built = await build();
  work = mkdtempSync(join(tmpdir(), "nettask-scf-"));
  zipFile = writeScfZip(built, join(work, "nettask-relay.zip"));
  unpacked = join(work, "code");
  mkdirSync(unpacked);
  // An independent reader of the zip the build wrote.
  execFileSync("unzip", ["-q", zipFile, "-d", unpacked]);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const RANGES: Record<number, [number, number]> = { 0: [0, 59], 1: [0, 59], 2: [0, 23], 3: [1, 31], 4: [1, 12], 5: [0, 6], 6: [1970, 2099] };

/** SCF's cron: second minute hour day-of-month month day-of-week year, with * , - and /. */
function isScfCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return (
    fields.length === 7 &&
    fields.every((field, i) => {
      const [min, max] = RANGES[i]!;
      const inRange = (n: string | undefined) => n === undefined || (Number(n) >= min && Number(n) <= max);
      return field.split(",").every((part) => {
        const m = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        return m !== null && inRange(m[1]) && inRange(m[2]) && (m[3] === undefined || Number(m[3]) > 0);
      });
    })
  );
}

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();

it("is a multi-scf component on Node.js 20 that deploys the bundle directory the zip is made of", () => {
  expect(descriptor.component).toBe("multi-scf");
  expect(inputs.runtime).toBe("Nodejs20.19");
  for (const fn of Object.values(inputs.functions)) expect(fn.runtime ?? inputs.runtime).toBe("Nodejs20.19");
  expect(resolve(DESCRIPTOR_DIR, inputs.src.src)).toBe(join(ROOT, "dist"));
  expect(inputs.src.exclude).toEqual(["scf/**"]);
  const deployed = built.flatMap((fn) => filesUnder(fn.dir).map((file) => `${fn.name}/${file}`)).sort();
  expect(filesUnder(unpacked)).toEqual(deployed);
});

describe.each(Object.keys(inputs.functions))("function %s", (name) => {
  const fn = inputs.functions[name]!;

  it("names a handler the zip has, exporting that name, loadable without node_modules", () => {
    const m = /^(.+)\.([A-Za-z_$][\w$]*)$/.exec(fn.handler);
    expect(m, fn.handler).not.toBeNull();
    const [, file, exported] = m!;
    const script = `process.stdout.write(typeof require(${JSON.stringify(join(unpacked, `${file}.js`))})[${JSON.stringify(exported)}])`;
    expect(execFileSync(process.execPath, ["-e", script], { cwd: work, encoding: "utf8", env: { PATH: process.env.PATH } })).toBe(
      "function",
    );
  });

  it("keeps its environment under SCF's 4 KB, with known variable names and no secret written out", () => {
    const variables = Object.entries(fn.environment.variables).map(([key, value]) => [key, String(value)] as const);
    const size = variables.reduce(
      (sum, [key, value]) => sum + key.length + (value.startsWith("${env:") ? PLACEHOLDER_ALLOWANCE : Buffer.byteLength(value)),
      0,
    );
    expect(size).toBeLessThan(SCF_ENV_LIMIT);
    const known = new Set<string>([...Object.values(SETTINGS).map((s) => s.env), "NODE_OPTIONS"]);
    for (const [key, value] of variables) {
      expect(known, key).toContain(key);
      if (["API_TOKEN", "STORE_URL"].includes(key)) expect(value).toMatch(/^\$\{env:[A-Z_]+\}$/);
    }
  });

  it("runs with source maps enabled, its maps beside the bundle in the package", () => {
    expect(fn.environment.variables.NODE_OPTIONS).toBe("--enable-source-maps");
    const file = /^(.+)\.[A-Za-z_$][\w$]*$/.exec(fn.handler)![1]!;
    expect(filesUnder(unpacked)).toContain(`${file}.js.map`);
  });
});

describe("triggers", () => {
  it("fire poll on a timer with a 7-field cron and an argument the relay accepts", () => {
    const timers = inputs.triggers.filter((t) => t.type === "timer");
    expect(timers.map((t) => t.function)).toEqual(["poll"]);
    const { cronExpression, argument, enable } = timers[0]!.parameters;
    expect(isScfCron(cronExpression), cronExpression).toBe(true);
    expect(enable).toBe(true);
    expect(Buffer.byteLength(argument)).toBeLessThanOrEqual(4096);
    expect(check("timerArgument", JSON.parse(argument)).ok).toBe(true);
  });

  it("give http no API gateway trigger (retired: it is reached through a Function URL)", () => {
    expect(inputs.triggers.filter((t) => t.type === "apigw" || t.function === "http")).toEqual([]);
  });

  it("are checked by a cron check that refuses what SCF refuses", () => {
    for (const good of ["0 */1 * * * * *", "0 0 2 1 * * *", "*/5 * * * * * *", "0 15,45 9-17 * 1-12 1-5 2026"])
      expect(isScfCron(good), good).toBe(true);
    for (const bad of [
      "*/5 * * * *",
      "0 0 2 1 * *",
      "60 * * * * * *",
      "0 */0 * * * * *",
      "0 0 24 * * * *",
      "0 0 0 0 * * *",
      "0 0 0 * 13 * *",
      "0 0 0 * * 7 *",
      "a * * * * * *",
    ]) {
      expect(isScfCron(bad), bad).toBe(false);
    }
  });
});
