/** The benchmark table and BENCHMARKS.md, rendered from fixed rows (nothing is timed here). */
import { describe, expect, it } from "vitest";
import { markdownTable, renderMarkdown, resultsTable, type Row } from "../../scripts/bench/report";

describe("tables", () => {
  it("pads every column to its widest cell and escapes pipes", () => {
    expect(markdownTable(["a", "long header"], [["x|y", "1"], ["z"]]).split("\n")).toEqual([
      "| a    | long header |",
      "| ---- | ----------- |",
      "| x\\|y | 1           |",
      "| z    |             |",
    ]);
  });

  const row = (target?: Row["target"]): Row => ({
    figure: "4. poll throughput",
    measure: "requests/s at POLL_RATE_LIMIT=10",
    value: "9.50 req/s",
    baseline: "limit 10 req/s",
    ratio: "0.950",
    spread: "0.940–0.960",
    ...(target && { target }),
    note: "busiest sliding second 10/10",
  });

  it("shows each row's target and whether it was met", () => {
    const lines = resultsTable([row({ text: "0.9–1", met: true }), row({ text: "0.9–1", met: false }), row()]).split("\n");
    expect(lines[0]).toMatch(
      /^\| figure +\| measure +\| value \(median\) +\| same-run baseline +\| ratio +\| min–max +\| target +\| note +\|$/,
    );
    expect(lines[2]).toContain("| 0.9–1: met ");
    expect(lines[3]).toContain("| 0.9–1: MISSED ");
    expect(lines[4]!.split("|").map((c) => c.trim())[7]).toBe("");
  });

  it("writes the machine, the date, the run's length, the table and how each figure was measured", () => {
    const text = renderMarkdown({
      rows: [row()],
      machine: { cores: 2, cpu: "Some CPU @ 2.0GHz", memory: "23.5 GB", node: "v20.19.0", os: "linux 6.1" },
      date: new Date("2026-01-31T12:00:00Z"),
      durationMs: 123_456,
      method: ["**4. Poll throughput.** How it is measured."],
    });
    expect(text).toContain("- date: 2026-01-31T12:00:00.000Z");
    expect(text).toContain("- machine: 2 cores, Some CPU @ 2.0GHz, 23.5 GB memory");
    expect(text).toContain("- Node v20.19.0 on linux 6.1");
    expect(text).toContain("- whole run: 123 s");
    expect(text).toContain(resultsTable([row()]));
    expect(text.indexOf("## How each figure is measured")).toBeGreaterThan(text.indexOf("| 4. poll throughput"));
    expect(text).toContain("**4. Poll throughput.** How it is measured.");
  });
});
