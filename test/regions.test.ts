import { describe, expect, it } from "vitest";
import { regionName } from "../lib/regions";
import { REGION, REGION_CODES } from "../lib/schemas/patterns";

describe("regionName", () => {
  it.each([
    ["gz", "ap-guangzhou"],
    ["sh", "ap-shanghai"],
    ["bj", "ap-beijing"],
    ["ca", "na-toronto"],
    ["usw", "na-siliconvalley"],
    ["de", "eu-frankfurt"],
    ["sao", "sa-saopaulo"],
  ])("maps the legacy code %s to the API 3.0 name %s", (code, name) => {
    expect(regionName(code)).toBe(name);
  });

  it("names every code the schema accepts, distinctly, with a name the schema accepts too", () => {
    const names = REGION_CODES.map(regionName);
    const pattern = new RegExp(REGION);
    for (const [i, name] of names.entries()) {
      expect(name, REGION_CODES[i]).toMatch(/^(ap|na|eu|sa)-/);
      expect(pattern.test(name)).toBe(true);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("passes ap-style names through, and does not treat object keys as codes", () => {
    expect(regionName("ap-guangzhou")).toBe("ap-guangzhou");
    expect(regionName("na-ashburn")).toBe("na-ashburn");
    expect(regionName("constructor")).toBe("constructor");
  });
});
