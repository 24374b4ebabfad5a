import { createConfig, lintFromString } from "@redocly/openapi-core";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../lib/http/api";
import { openApiDocument } from "../../lib/http/openapi";
import { newWatch } from "../../lib/watches/model";
import { watchView } from "../../lib/http/watch-view";
import { HttpProblem } from "../../lib/http/problem";
import { taskResultSchema, watchRequestSchema } from "../../lib/schemas/index";
import { DOCUMENTED_297 } from "../support/stack";

type Json = Record<string, any>;
const doc = openApiDocument(API_ROUTES) as Json;
const DOC_ID = "https://nettask-relay.dev/openapi.json";

/** Every value under `node` with its JSON pointer-ish path. */
function* walk(node: unknown, path = "#"): Generator<[string, Json]> {
  if (node === null || typeof node !== "object") return;
  yield [path, node as Json];
  for (const [k, v] of Object.entries(node)) yield* walk(v, `${path}/${k}`);
}

// The document is itself a valid place to resolve `#/components/...` from, so ajv can compile
// any component straight out of it (OpenAPI-only keywords are ignored, not enforced).
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...doc, $id: DOC_ID });
const validator = (name: string) => ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` });

describe("GET /openapi.json document", () => {
  it("passes Redocly's recommended ruleset with no error and no warning", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: "/openapi.json", config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  });

  it("says where it is served (relative to itself) and under which license", () => {
    expect(doc.servers).toEqual([{ url: "/" }]);
    expect(doc.info.license).toEqual({ name: "Apache-2.0", identifier: "Apache-2.0" });
  });

  it("documents the listing's filters, page and cursor, and the stats", () => {
    const list = doc.paths["/watches"].get;
    expect(list.parameters.map((p: Json) => p.name).sort()).toEqual(["api", "cursor", "destinationType", "limit", "state", "taskId"]);
    expect(list.parameters.find((p: Json) => p.name === "limit").schema).toMatchObject({ minimum: 1, maximum: 100, default: 50 });
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(["200", "401", "405", "422", "503"]));
    expect(list.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/WatchPage" });
    expect(doc.components.schemas.WatchPage.properties.data.items).toEqual({ $ref: "#/components/schemas/Watch" });
    expect(doc.paths["/watches/stats"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/WatchStats",
    });
    expect(Object.keys(doc.paths["/healthz"].get.responses)).toEqual(expect.arrayContaining(["200", "503"]));
  });

  it("is OpenAPI 3.1 with JSON Schema 2020-12 and the required top-level members", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.jsonSchemaDialect).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(typeof doc.info.title).toBe("string");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.components.securitySchemes.bearerToken).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
  });

  it("has an operation for every route, with unique ids, its path parameters and a success response", () => {
    const ids = new Set<string>();
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === "path").map((p: Json) => p.name);
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort()).toEqual(inPath.sort());
      for (const p of op.parameters ?? []) if (p.in === "path") expect(p.required).toBe(true);
      expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
      expect(op.responses["500"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    }
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/healthz",
      "/openapi.json",
      "/problems/{kind}",
      "/tasks/{taskId}",
      "/watches",
      "/watches/stats",
      "/watches/{id}",
      "/watches/{id}/redeliver",
    ]);
    expect(Object.keys(doc.paths["/watches/{id}"]).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(doc.paths["/watches"]).sort()).toEqual(["get", "post"]);
  });

  it("requires the bearer token everywhere but /healthz, /openapi.json and the problem pages, and documents the 401", () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      const open = ["/healthz", "/openapi.json", "/problems/{kind}"].includes(route.path);
      expect(op.security).toEqual(open ? [] : [{ bearerToken: [] }]);
      expect("401" in op.responses).toBe(!open);
    }
  });

  it("documents the query, the body and the statuses of each operation", () => {
    const task = doc.paths["/tasks/{taskId}"].get;
    expect(task.parameters).toContainEqual({
      name: "region",
      in: "query",
      required: true,
      schema: { $ref: "#/components/schemas/Region" },
    });
    expect(task.parameters).toContainEqual({ name: "taskId", in: "path", required: true, schema: { $ref: "#/components/schemas/TaskId" } });
    const register = doc.paths["/watches"].post;
    expect(register.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/WatchRequest" });
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(["200", "202", "400", "401", "413", "415", "422"]));
    expect(register.responses["202"].headers.location).toBeDefined();
    expect(Object.keys(doc.paths["/watches/{id}/redeliver"].post.responses)).toEqual(expect.arrayContaining(["202", "404", "409"]));
  });

  it("takes its schemas from lib/schemas, shared pieces as components, with no $id left", () => {
    const schemas = doc.components.schemas;
    expect(schemas.TaskResult.oneOf).toEqual(
      ["VpcTaskResult", "EipTaskResult", "LegacyTaskResult"].map((name) => ({ $ref: `#/components/schemas/${name}` })),
    );
    expect(schemas.TaskResult.discriminator.mapping).toEqual({
      vpc: "#/components/schemas/VpcTaskResult",
      eip: "#/components/schemas/EipTaskResult",
      legacy: "#/components/schemas/LegacyTaskResult",
    });
    expect(taskResultSchema.oneOf.map((branch) => Object.keys(branch.properties))).toEqual(
      ["VpcTaskResult", "EipTaskResult", "LegacyTaskResult"].map((name) => Object.keys(schemas[name].properties)),
    );
    expect(schemas.WatchRequest.required).toEqual(watchRequestSchema.required);
    expect(schemas.WatchRequest.properties.destination).toEqual({ $ref: "#/components/schemas/Destination" });
    expect(schemas.Destination.discriminator).toEqual({
      propertyName: "type",
      mapping: {
        webhook: "#/components/schemas/WebhookDestination",
        cmq: "#/components/schemas/CmqDestination",
        amqp: "#/components/schemas/AmqpDestination",
      },
    });
    for (const [path, node] of walk(doc)) {
      expect(node.$id, path).toBeUndefined();
      if (typeof node.$ref === "string") {
        const name = /^#\/components\/schemas\/(\w+)$/.exec(node.$ref)?.[1];
        expect(name && schemas[name], `${path} → ${node.$ref}`).toBeTruthy();
      }
    }
  });

  it("says in the Watch schema that the webhook secret is never returned", () => {
    expect(doc.components.schemas.Watch.description).toMatch(/secret.*never returned/);
    expect(doc.components.schemas.Watch.properties).not.toHaveProperty("lease");
    expect(doc.components.schemas.Watch.properties).not.toHaveProperty("version");
  });

  it("has component schemas that accept what the API answers and refuse what it would not", () => {
    expect(validator("TaskResult")(DOCUMENTED_297)).toBe(true);
    expect(validator("TaskResult")({ ...DOCUMENTED_297, status: "done" })).toBe(false);
    const watch = newWatch(
      {
        task: { api: "legacy", taskId: 297, region: "gz" },
        destination: { type: "webhook", url: "https://hooks.example.com/x", secret: `whsec_${Buffer.alloc(32, 7).toString("base64")}` },
      },
      Date.UTC(2026, 0, 1),
      86_400,
    );
    const isWatch = validator("Watch");
    expect(isWatch(watchView(watch)), JSON.stringify(isWatch.errors)).toBe(true);
    expect(isWatch(watch)).toBe(false); // the stored form has lease and version
    const problem = JSON.parse(
      new HttpProblem("invalid-input", "Invalid task.", [{ field: "taskId", rule: "type", message: "must be integer" }]).toResponse().body,
    );
    expect(validator("Problem")(problem)).toBe(true);
    expect(validator("WatchRequest")({ taskId: "297", region: "gz", destination: { type: "cmq", queue: "q" } })).toBe(true);
    expect(validator("WatchRequest")({ taskId: true, region: "gz", destination: { type: "cmq", queue: "q" } })).toBe(false);
    expect(validator("WatchRequest")({ api: "cvm", taskId: 297, region: "gz", destination: { type: "cmq", queue: "q" } })).toBe(false);
  });
});
