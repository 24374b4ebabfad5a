/**
 * `npm start` end to end, as a user meets it: start the stack (free ports, a fresh SQLite
 * file), wait for "ready", run the printed commands exactly as printed (the API 3.0 ones, the
 * README's worked example through the official SDK, the legacy ones) and the printed `export`
 * lines for `npm run nettask`, check what they answer and what the webhook inbox received,
 * stop it with Ctrl-C (SIGINT), start it again to see the watches and the inbox secret
 * survived, then start it with --reset to see an empty store.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "../../scripts/build";
import { freePort } from "../support/free-port";
import { spawnNpmStart, untilReady } from "../support/npm-start";

interface Running {
  child: ChildProcess;
  output: () => string;
  api: string;
  inbox: string;
  token: string;
  secret: string;
  commands: string[];
  exports: string[];
}

const dir = mkdtempSync(join(tmpdir(), "nettask-start-"));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The user's environment without Tencent Cloud settings (so the emulator is used), plus ours. */
function stackEnv(inboxPort: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(TENCENTCLOUD_|NETTASK_|API_TOKEN$|WEBHOOK_ALLOW$|STORE_URL$|INBOX_SECRET$)/.test(name),
    ),
  );
  return {
    ...env,
    PORT: "0",
    EMULATOR_PORT: "0",
    // One port for every run, as the default 8787 is: stored watches deliver to it.
    INBOX_PORT: String(inboxPort),
    STORE_URL: `sqlite:${join(dir, "nettask.db")}`,
    POLL_INTERVAL_MS: "200",
    POLL_MIN_DELAY_MS: "200",
    POLL_MAX_DELAY_MS: "1000",
    LOG_LEVEL: "warn",
  };
}

async function start(inboxPort: number, args: string[] = []): Promise<Running> {
  const npmStart = spawnNpmStart(stackEnv(inboxPort), args);
  started.push(npmStart.child);
  await untilReady(npmStart);
  const output = npmStart.output();
  const field = (label: string) => new RegExp(`^  ${label}\\s+(\\S+)`, "m").exec(output)?.[1] ?? "";
  return {
    ...npmStart,
    api: field("API"),
    inbox: field("inbox"),
    token: field("API token"),
    secret: field("inbox secret"),
    commands: output
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("curl ")),
    exports: output
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("export ") || line.startsWith("npm run nettask")),
  };
}

async function stop(running: Running): Promise<void> {
  const exited = new Promise<number | null>((done) => running.child.once("exit", (code) => done(code)));
  running.child.kill("SIGINT");
  expect(await exited, running.output()).toBe(0);
  expect(running.output()).toMatch(/^stopped$/m);
}

const shell = async (command: string) => (await promisify(execFile)("sh", ["-c", command], { cwd: ROOT, timeout: 30_000 })).stdout;

/** The JSON values one after another in `text` (a command that runs two curls prints two). */
function jsonValues(text: string): any[] {
  const values = [];
  let rest = text.trim();
  while (rest) {
    const end = [...rest.matchAll(/}/g)]
      .map((m) => m.index + 1)
      .find((i) => {
        try {
          JSON.parse(rest.slice(0, i));
          return true;
        } catch {
          return false;
        }
      });
    if (end === undefined) throw new Error(`not JSON: ${rest}`);
    values.push(JSON.parse(rest.slice(0, end)));
    rest = rest.slice(end).trim();
  }
  return values;
}

async function inboxFor(inbox: string, taskId: number | string, withinMs: number): Promise<any[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const deliveries = (await (await fetch(inbox)).json()) as any[];
    const found = deliveries.filter((d) => d.event.data.taskId === taskId);
    if (found.length > 0 || Date.now() > deadline) return found;
    await sleep(100);
  }
}

it("starts, the printed commands work as printed, Ctrl-C stops it, the data and the inbox secret survive a restart, --reset empties the store", async () => {
  const inboxPort = await freePort();
  const first = await start(inboxPort);
  expect(first.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(first.token.length).toBeGreaterThanOrEqual(20);
  expect(first.commands).toHaveLength(5);
  const [watchVpc, readVpc, watchEip, read297, watch297] = first.commands as [string, string, string, string, string];
  // API 3.0 comes first.
  expect(first.output().indexOf(watchVpc)).toBeLessThan(first.output().indexOf(read297));

  const [created, watchOfVpc] = jsonValues(await shell(watchVpc));
  expect(created).toEqual({ api: "vpc", taskId: expect.stringMatching(/^[0-9a-f-]{36}$/), region: "ap-guangzhou" });
  expect(watchOfVpc).toMatchObject({ api: "vpc", taskId: created.taskId, state: "pending" });
  expect(jsonValues(await shell(readVpc))).toEqual([expect.objectContaining({ api: "vpc", taskId: created.taskId, status: "running" })]);
  const delivered = await inboxFor(first.inbox, created.taskId, 20_000);
  expect(delivered, first.output()).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.task.succeeded" })]);
  expect(delivered[0].event.data).toMatchObject({ api: "vpc", taskId: created.taskId, status: "succeeded", output: "SUCCESS" });

  const [eipTask, watchOfEip] = jsonValues(await shell(watchEip));
  expect(eipTask).toEqual({ api: "eip", taskId: expect.any(Number), region: "ap-guangzhou" });
  expect(watchOfEip).toMatchObject({ api: "eip", taskId: eipTask.taskId, state: "pending" });
  expect(await inboxFor(first.inbox, eipTask.taskId, 20_000)).toEqual([
    expect.objectContaining({
      verified: true,
      type: "com.tencentcloud.vpc.task.succeeded",
      event: expect.objectContaining({ data: expect.objectContaining({ api: "eip", status: "succeeded" }) }),
    }),
  ]);

  // The README's worked example, as printed: through the official SDK against the emulator.
  const example = first
    .output()
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line.endsWith("npx tsx examples/watch-template-instances.ts"));
  expect(example).toBeDefined();
  const worked = await shell(`cd ${JSON.stringify(ROOT)} && ${example!}`);
  expect(worked).toMatch(/^1\. CreateAddressTemplate: ipm-[a-z0-9]{8}$/m);
  expect(worked).toMatch(/^4\. delivered: /m);
  const requestId = /RequestId ([0-9a-f-]{36})/.exec(worked)![1]!;
  expect(await inboxFor(first.inbox, requestId, 5_000)).toEqual([
    expect.objectContaining({
      verified: true,
      type: "com.tencentcloud.vpc.task.succeeded",
      event: expect.objectContaining({ data: expect.objectContaining({ output: '{"TotalCount":0,"InstanceSet":[]}' }) }),
    }),
  ]);

  expect(jsonValues(await shell(read297))).toEqual([
    expect.objectContaining({
      api: "legacy",
      taskId: 297,
      region: "ap-guangzhou",
      status: "succeeded",
      code: 0,
      data: expect.objectContaining({ total: 4 }),
    }),
  ]);
  const [watch] = jsonValues(await shell(watch297));
  expect(watch).toMatchObject({ api: "legacy", taskId: 297, region: "ap-guangzhou", state: "delivered" });
  expect(await inboxFor(first.inbox, 297, 5_000)).toEqual([
    expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" }),
  ]);

  // The printed export lines point `npm run nettask` at the emulator and at the API.
  expect(first.exports).toHaveLength(4);
  const [exportApi, exportUpstream, getCommand, watchesCommand] = first.exports as [string, string, string, string];
  expect(JSON.parse(await shell(`${exportApi}; ${exportUpstream}; ${getCommand} 2>/dev/null | sed -n '/^{/,$p'`))).toMatchObject({
    api: "vpc",
    status: "succeeded",
  });
  expect(watchesCommand).toBe("npm run nettask -- watches --state failed");
  const listed = await shell(`${exportApi}; ${exportUpstream}; npm run --silent nettask -- watches --task-id 297`);
  expect(listed).toMatch(new RegExp(`^${watch.id}  delivered `));

  // The inbox secret is kept beside the store, readable by its owner only.
  expect(first.secret).toMatch(/^whsec_/);
  expect(first.output()).toMatch(/\(from \S+inbox-secret \(new\)\)/);
  expect(statSync(join(dir, "inbox-secret")).mode & 0o777).toBe(0o600);

  await stop(first);

  const second = await start(inboxPort);
  const auth = { authorization: `Bearer ${second.token}` };
  const again = await fetch(`${second.api}/watches/${watch.id}`, { headers: auth });
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ id: watch.id, taskId: 297, state: "delivered" });
  // Same secret, so a delivery of a watch stored by the first run verifies in the second.
  expect(second.secret).toBe(first.secret);
  const redelivered = await fetch(`${second.api}/watches/${watch.id}/redeliver`, { method: "POST", headers: auth });
  expect(redelivered.status).toBe(202);
  expect(await inboxFor(second.inbox, 297, 5_000)).toEqual([expect.objectContaining({ verified: true, id: watch.event.id })]);
  await stop(second);

  const third = await start(inboxPort, ["--reset"]);
  expect(third.output()).toMatch(/^store emptied: /m);
  const gone = await fetch(`${third.api}/watches/${watch.id}`, { headers: { authorization: `Bearer ${third.token}` } });
  expect(gone.status).toBe(404);
  expect(third.secret).toBe(first.secret);
  await stop(third);
}, 180_000);
