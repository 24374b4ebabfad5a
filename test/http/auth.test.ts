import { describe, expect, it } from "vitest";
import { requireBearer } from "../../lib/http/auth";
import { thrownProblem } from "../support/thrown-problem";

const TOKEN = "s3cr3t-api-token-0123456789";

const refusal = (header: string | undefined, token = TOKEN) => thrownProblem(() => requireBearer(header, token));

describe("requireBearer", () => {
  it("accepts the configured token, whatever the case of the scheme", () => {
    expect(() => requireBearer(`Bearer ${TOKEN}`, TOKEN)).not.toThrow();
    expect(() => requireBearer(`bearer ${TOKEN}`, TOKEN)).not.toThrow();
  });

  it("answers 401 with a Bearer challenge when the header is missing or not a bearer token", () => {
    for (const header of [undefined, "", TOKEN, `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}`, "Bearer "]) {
      const problem = refusal(header);
      expect(problem.status).toBe(401);
      expect(problem.headers["www-authenticate"]).toBe('Bearer realm="nettask-relay"');
    }
  });

  it("refuses wrong tokens, including prefixes, extensions and other lengths, as invalid_token", () => {
    for (const wrong of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), "x", "a".repeat(4096)]) {
      const problem = refusal(`Bearer ${wrong}`);
      expect(problem.status).toBe(401);
      expect(problem.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
  });

  it("refuses everything when no token is configured, even an empty bearer", () => {
    expect(refusal("Bearer ", "").status).toBe(401);
    expect(refusal(`Bearer ${TOKEN}`, "").detail).toMatch(/no API token configured/);
  });

  it("never echoes the token in the problem", () => {
    const body = refusal(`Bearer ${TOKEN}x`).toResponse().body;
    expect(body).not.toContain(TOKEN);
  });
});
