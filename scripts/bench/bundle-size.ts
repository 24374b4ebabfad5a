/**
 * Figure 3: bytes of each main bundle against its budget, of the lazy chunks (loaded only
 * when a destination or credential source needs them), and of the whole-SDK variant.
 */
import { BUNDLE_BUDGETS, type BuiltFunction } from "../build";
import type { Figure, Row } from "./report";
import { kb, times } from "./stats";
import type { WholeSdkBundle } from "./whole-sdk-bundle";

const EXACT = "exact";

export function bundleSize(built: readonly BuiltFunction[], wholeSdk: WholeSdkBundle): Figure {
  const http = built.find((fn) => fn.name === "http")!;
  const functionRows = built.map((fn): Row => {
    const chunks = Object.entries(fn.chunks).map(([name, bytes]) => `${name} ${kb(bytes)}`);
    return {
      figure: "3. bundle size",
      measure: `dist/${fn.name}/index.js (main bundle)`,
      value: kb(fn.bytes),
      baseline: `budget ${kb(BUNDLE_BUDGETS[fn.name])}`,
      ratio: times(fn.bytes / BUNDLE_BUDGETS[fn.name]),
      spread: EXACT,
      target: { text: "≤ 1.00× (budget)", met: fn.bytes <= BUNDLE_BUDGETS[fn.name] },
      note: `lazy chunks, loaded only when used: ${chunks.join(", ") || "none"}`,
    };
  });
  return {
    rows: [
      ...functionRows,
      {
        figure: "3. bundle size",
        measure: "whole-SDK http variant",
        value: kb(wholeSdk.bytes),
        baseline: `dist/http ${kb(http.bytes)}`,
        ratio: times(wholeSdk.bytes / http.bytes),
        spread: EXACT,
        note: `${times(wholeSdk.bytes / BUNDLE_BUDGETS.http)} the http budget`,
      },
    ],
    method:
      "**3. Bundle size.** Bytes of the minified main files `build()` writes (scripts/build.ts), against `BUNDLE_BUDGETS`; " +
      "the lazy chunks beside them (chunks/*.js) are required only on first use (TDMQ for cmq destinations, amqplib for amqp " +
      "ones, the SDK's credential providers when no key is in the environment). The whole-SDK variant is the one of figure 2.",
  };
}
