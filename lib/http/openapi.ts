/**
 * The OpenAPI 3.1 document, generated from the route table and the JSON Schemas in
 * lib/schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12), so it cannot drift from what the
 * API validates. Shared schema pieces become named components referenced with `$ref`.
 */
import { STATUS_CODES } from "node:http";
import { namedSchemas } from "../schemas/index";
import { withRefs } from "../schemas/refs";
import { problemSchema } from "./problem";
import { destinationViewSchema, watchPageSchema, watchStatsSchema, watchViewSchema, webhookDestinationView } from "./watch-view";

type Schema = object;

export interface OperationDoc {
  operationId: string;
  summary: string;
  pathParams?: Record<string, Schema>;
  query?: Record<string, { schema: Schema; required: boolean }>;
  body?: Schema;
  /** Successful answers: status → what it means and its body (JSON unless `mediaType` says otherwise). */
  responses: Record<number, { description: string; schema: Schema; headers?: Record<string, string>; mediaType?: string }>;
  /** Problem statuses the operation can answer (401 is added for authenticated routes, 405 and 500 for all). */
  problems: number[];
}

export interface DocumentedRoute {
  method: string;
  path: string;
  auth: boolean;
  doc: OperationDoc;
}

export const healthSchema = {
  type: "object",
  required: ["status"],
  properties: { status: { const: "ok" } },
} as const;

/** Every named schema of the document; any embedding of one of these objects becomes a `$ref`. */
const COMPONENTS: Record<string, Schema> = {
  ...namedSchemas,
  WebhookDestinationView: webhookDestinationView,
  DestinationView: destinationViewSchema,
  Watch: watchViewSchema,
  WatchPage: watchPageSchema,
  WatchStats: watchStatsSchema,
  Problem: problemSchema,
  Health: healthSchema,
};

const refOf = new Map<object, string>(Object.entries(COMPONENTS).map(([name, s]) => [s, `#/components/schemas/${name}`]));

/** A copy of `node` with named pieces as `$ref`s; a discriminator gets the mapping OpenAPI needs to find its branches. */
function hoist(node: unknown, self?: object): unknown {
  return withRefs(node, refOf, self, (original, copy) => {
    const { discriminator, oneOf } = original as {
      discriminator?: { propertyName: string };
      oneOf?: { properties: Record<string, { const: string }> }[];
    };
    if (!discriminator || !oneOf) return;
    const mapping: Record<string, string> = {};
    for (const branch of oneOf) {
      const target = refOf.get(branch);
      if (target) mapping[branch.properties[discriminator.propertyName]!.const] = target;
    }
    copy.discriminator = { ...discriminator, mapping };
  });
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  401: "The bearer token is missing or wrong.",
  405: "The path does not answer this method; `Allow` lists those it does.",
  503: "The relay cannot serve (a setting or the store), or the upstream is busy.",
};

const json = (schema: Schema, mediaType = "application/json") => ({ content: { [mediaType]: { schema: hoist(schema) } } });

function operation(route: DocumentedRoute): object {
  const { doc } = route;
  const parameters = [
    ...Object.entries(doc.pathParams ?? {}).map(([name, schema]) => ({ name, in: "path", required: true, schema: hoist(schema) })),
    ...Object.entries(doc.query ?? {}).map(([name, q]) => ({ name, in: "query", required: q.required, schema: hoist(q.schema) })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const headers = Object.fromEntries(
      Object.entries(r.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: "string" } }]),
    );
    responses[status] = { description: r.description, ...(r.headers ? { headers } : {}), ...json(r.schema, r.mediaType) };
  }
  // Every path answers 405 (with Allow) to a method it does not serve.
  const problems = [...new Set([...(route.auth ? [401] : []), ...doc.problems, 405, 500])].sort((a, b) => a - b);
  for (const status of problems)
    responses[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? "Problem",
      ...json(problemSchema, "application/problem+json"),
    };
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, ...json(doc.body) } } : {}),
    responses,
    security: route.auth ? [{ bearerToken: [] }] : [],
  };
}

export function openApiDocument(routes: readonly DocumentedRoute[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "nettask-relay",
      version: "1.0.0",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      description:
        "Reads the result of Tencent Cloud VPC asynchronous tasks (DescribeVpcTaskResult, DescribeTaskResult " +
        "for EIPs, and the legacy DescribeNetTaskResult) and watches tasks until they finish, delivering each " +
        "outcome once per watch as a CloudEvent to a webhook or a queue. Errors are RFC 9457 problem details.",
    },
    // Relative: the API describes itself wherever it is deployed.
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, s]) => [name, hoist(s, s)])),
      securitySchemes: { bearerToken: { type: "http", scheme: "bearer", description: "The API_TOKEN of the deployment." } },
    },
  };
}
