/**
 * Region names. The legacy v2 API took short codes (gz, sh, …) as well as ap-style names; API
 * 3.0 only knows the ap-style names. Users may give either: every task and watch carries the
 * ap-style name (its canonical form), and the legacy request sends the short code.
 */
import type { REGION_CODES } from "./schemas/patterns";

type RegionCode = (typeof REGION_CODES)[number];

// A Record over every schema-accepted code: adding a code to the schema without a name here
// fails the type check.
const REGION_NAMES: Record<RegionCode, string> = {
  bj: "ap-beijing",
  sh: "ap-shanghai",
  gz: "ap-guangzhou",
  cd: "ap-chengdu",
  cq: "ap-chongqing",
  nj: "ap-nanjing",
  hk: "ap-hongkong",
  tpe: "ap-taipei",
  sg: "ap-singapore",
  th: "ap-bangkok",
  jkt: "ap-jakarta",
  in: "ap-mumbai",
  kr: "ap-seoul",
  jp: "ap-tokyo",
  ca: "na-toronto",
  usw: "na-siliconvalley",
  use: "na-ashburn",
  de: "eu-frankfurt",
  ru: "eu-moscow",
  sao: "sa-saopaulo",
  szjr: "ap-shenzhen-fsi",
  shjr: "ap-shanghai-fsi",
  bjjr: "ap-beijing-fsi",
  shadc: "ap-shanghai-adc",
};

const REGION_CODE_OF = new Map(Object.entries(REGION_NAMES).map(([code, name]) => [name, code]));

/** The API 3.0 region name of a legacy code (gz → ap-guangzhou); ap-style names pass through. */
export function regionName(region: string): string {
  return Object.hasOwn(REGION_NAMES, region) ? REGION_NAMES[region as RegionCode] : region;
}

/** The legacy short code of a region (ap-guangzhou → gz), or the name itself when it has none. */
export function legacyRegionCode(region: string): string {
  return REGION_CODE_OF.get(region) ?? region;
}
