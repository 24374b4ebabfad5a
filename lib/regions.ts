/**
 * Region names. The legacy v2 API takes short codes (gz, sh, …); API 3.0 services such as
 * TDMQ only know the ap-style names, so anything sent through the SDK goes through here.
 */
import { REGION_CODES } from "./schemas/patterns";

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

/** The API 3.0 region name of a legacy code (gz → ap-guangzhou); ap-style names pass through. */
export function regionName(region: string): string {
  return Object.hasOwn(REGION_NAMES, region) ? REGION_NAMES[region as RegionCode] : region;
}
