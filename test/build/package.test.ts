/**
 * `npm run package`, run as a user would, with no AWS credentials, an empty home directory and
 * every proxy pointing at a closed port (so any network use fails): it must still write the AWS
 * package (.serverless/) and the SCF zip. The CloudFormation it generates is then checked.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../../scripts/build";
import { SCF_ZIP } from "../../scripts/build/package";

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let templateText: string;
let home: string;
const SHELL_SECRETS = {
  API_TOKEN: "shell-token-canary-61c2",
  STORE_URL: "redis://:shell-canary-pw@10.1.2.3:6379/0",
  TENCENTCLOUD_SECRET_KEY: "shell-key-canary-93ad",
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "nettask-package-home-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^AWS_|^SLS_|^SERVERLESS_/.test(name)));
  const closed = "http://127.0.0.1:9";
  await promisify(execFile)("npm", ["run", "package"], {
    cwd: ROOT,
    env: {
      ...env,
      HOME: home,
      npm_config_cache: join(home, ".npm"),
      HTTP_PROXY: closed,
      HTTPS_PROXY: closed,
      http_proxy: closed,
      https_proxy: closed,
      // Settings a developer's shell may hold for `npm run offline`: they must not reach a deployable package.
      ...SHELL_SECRETS,
    },
    timeout: 120_000,
  });
  templateText = readFileSync(join(ROOT, ".serverless", "cloudformation-template-update-stack.json"), "utf8");
  resources = JSON.parse(templateText).Resources;
}, 150_000);

afterAll(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionNamed = (name: string): Record<string, any> => {
  const found = ofType("AWS::Lambda::Function").find(([, r]) => r.Properties.FunctionName === `nettask-relay-dev-${name}`);
  expect(found, name).toBeDefined();
  return { logicalId: found![0], ...found![1].Properties };
};

it("declares both functions on nodejs20.x with their bundle handlers", () => {
  expect(ofType("AWS::Lambda::Function")).toHaveLength(2);
  expect(functionNamed("http")).toMatchObject({ Handler: "dist/http/index.handler", Runtime: "nodejs20.x", Timeout: 29 });
  expect(functionNamed("poll")).toMatchObject({ Handler: "dist/poll/index.handler", Runtime: "nodejs20.x", Timeout: 60 });
});

it("routes every path and method of an HTTP API (payload 2.0) to http", () => {
  const http = functionNamed("http");
  const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
  expect(routes.map((r) => r.RouteKey)).toEqual(["$default"]);
  const integrationId = routes[0]!.Target["Fn::Join"][1][1].Ref;
  expect(resources[integrationId]!.Properties).toMatchObject({
    IntegrationType: "AWS_PROXY",
    PayloadFormatVersion: "2.0",
    IntegrationUri: { "Fn::GetAtt": [http.logicalId, "Arn"] },
  });
});

it("runs poll every minute from an EventBridge schedule", () => {
  const poll = functionNamed("poll");
  const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties);
  expect(rules).toEqual([expect.objectContaining({ ScheduleExpression: "rate(1 minute)", State: "ENABLED" })]);
  expect(rules[0]!.Targets[0].Arn).toEqual({ "Fn::GetAtt": [poll.logicalId, "Arn"] });
  const permissions = ofType("AWS::Lambda::Permission").map(([, r]) => r.Properties);
  expect(permissions).toContainEqual(
    expect.objectContaining({ FunctionName: { "Fn::GetAtt": [poll.logicalId, "Arn"] }, Principal: "events.amazonaws.com" }),
  );
});

it("carries secrets only as references CloudFormation resolves at deploy time", () => {
  for (const name of ["http", "poll"]) {
    const variables: Record<string, string> = functionNamed(name).Environment.Variables;
    for (const secret of ["API_TOKEN", "STORE_URL", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"]) {
      expect(variables[secret]).toBe(`{{resolve:secretsmanager:nettask-relay/dev:SecretString:${secret}}}`);
    }
    expect(variables.VPC_ENDPOINT).toBe("https://vpc.tencentcloudapi.com/");
    expect(variables.NETTASK_ENDPOINT).toBe("https://vpc.api.qcloud.com/v2/index.php");
  }
  for (const value of Object.values(SHELL_SECRETS)) expect(templateText).not.toContain(value);
});

it("runs both functions with source maps enabled", () => {
  for (const name of ["http", "poll"]) expect(functionNamed(name).Environment.Variables.NODE_OPTIONS).toBe("--enable-source-maps");
});

it("packages each function's bundle directory and nothing else", () => {
  for (const name of ["http", "poll"]) {
    const zip = join(ROOT, ".serverless", `${name}.zip`);
    const files = execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).trim().split("\n").sort();
    expect(files).toContain(`dist/${name}/index.js`);
    expect(files).toContain(`dist/${name}/index.js.map`);
    expect(files).toContain(`dist/${name}/package.json`);
    expect(files.filter((f) => !f.startsWith(`dist/${name}/`))).toEqual([]);
    expect(execFileSync("unzip", ["-p", zip, `dist/${name}/index.js`])).toEqual(readFileSync(join(ROOT, "dist", name, "index.js")));
  }
});

it("writes the SCF code package too", () => {
  const files = execFileSync("unzip", ["-Z1", SCF_ZIP], { encoding: "utf8" }).trim().split("\n");
  expect(files).toEqual(
    expect.arrayContaining([
      "http/index.js",
      "http/index.js.map",
      "http/package.json",
      "poll/index.js",
      "poll/index.js.map",
      "poll/package.json",
    ]),
  );
  expect(() => execFileSync("unzip", ["-tq", SCF_ZIP])).not.toThrow();
});
