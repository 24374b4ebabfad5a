/**
 * What `npm run bench` shows: one table row per measure (its value, the baseline measured in
 * the same run, the ratio and its spread), the machine it ran on, and progress on stderr.
 */
import { cpus, platform, release, totalmem } from "node:os";

export interface Row {
  figure: string;
  measure: string;
  value: string;
  /** The same-run baseline the ratio is taken against, named. */
  baseline: string;
  ratio: string;
  /** min–max over the runs (or samples) behind the median. */
  spread: string;
  /** The figure's target, when it has one (a budget, a bound), and whether this run met it. */
  target?: { text: string; met: boolean };
  note: string;
}

const targetText = ({ target }: Row) => (target ? `${target.text}: ${target.met ? "met" : "MISSED"}` : "");

const COLUMNS: ReadonlyArray<[string, (row: Row) => string]> = [
  ["figure", (row) => row.figure],
  ["measure", (row) => row.measure],
  ["value (median)", (row) => row.value],
  ["same-run baseline", (row) => row.baseline],
  ["ratio", (row) => row.ratio],
  ["min–max", (row) => row.spread],
  ["target", targetText],
  ["note", (row) => row.note],
];

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Markdown table with its columns padded, so it also reads well in a terminal. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const body = rows.map((row) => headers.map((_, i) => cell(row[i] ?? "")));
  const head = headers.map(cell);
  const widths = head.map((h, i) => Math.max(3, h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export function resultsTable(rows: readonly Row[]): string {
  return markdownTable(
    COLUMNS.map(([title]) => title),
    rows.map((row) => COLUMNS.map(([, of]) => of(row))),
  );
}

export interface Machine {
  cores: number;
  cpu: string;
  memory: string;
  node: string;
  os: string;
}

export function machine(): Machine {
  const cores = cpus();
  return {
    cores: cores.length,
    cpu: cores[0]?.model.trim() ?? "unknown",
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GB`,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

export interface Report {
  rows: readonly Row[];
  machine: Machine;
  date: Date;
  durationMs: number;
  /** Paragraphs after the table: how each figure is measured. */
  method: readonly string[];
}

export function renderMarkdown(report: Report): string {
  const m = report.machine;
  return [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (scripts/bench/); do not edit by hand. Every figure is measured on",
    "loopback against a baseline taken in the same run and reported as a ratio; values are medians",
    "of several runs with their spread (min–max). Absolute times depend on the machine; the ratios",
    "are what to compare.",
    "",
    `- date: ${report.date.toISOString()}`,
    `- machine: ${m.cores} cores, ${m.cpu}, ${m.memory} memory`,
    `- Node ${m.node} on ${m.os}`,
    `- whole run: ${(report.durationMs / 1000).toFixed(0)} s`,
    "",
    resultsTable(report.rows),
    "",
    "## How each figure is measured",
    "",
    ...report.method.flatMap((paragraph) => [paragraph, ""]),
  ].join("\n");
}

export const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** What a figure module returns: its rows, and one paragraph saying how they were measured. */
export interface Figure {
  rows: Row[];
  method: string;
}
