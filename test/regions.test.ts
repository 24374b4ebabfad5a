import { describe, expect, it } from "vitest";
import { regionName } from "../lib/regions";
import { REGION, REGION_CODES } from "../lib/schemas/patterns";

describe("regionName", () => {
  it("maps legacy codes to API 3.0 names", () => {
    expect(regionName("gz")).toBe("ap-guangzhou");
    expect(regionName("sh")).toBe("ap-shanghai");
    expect(regionName("bj")).toBe("ap-beijing");
    expect(regionName("ca")).toBe("na-toronto");
    expect(regionName("usw")).toBe("na-siliconvalley");
    expect(regionName("de")).toBe("eu-frankfurt");
    expect(regionName("sao")).toBe("sa-saopaulo");
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
