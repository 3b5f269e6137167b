import { median } from "./stats";

/** One row of the results table: our figure, its baseline measured in the same run, and the goal. */
export interface Figure {
  section: string;
  name: string;
  unit: string;
  /** Per-repetition values; the reported figure is their median. */
  ours: number[];
  baselineName?: string;
  baselineUnit?: string;
  baseline?: number[];
  /** How the ratio column reads, e.g. "ours/baseline". */
  ratioLabel?: string;
  ratio?: (ours: number, baseline: number) => number;
  goal: string;
  /** Whether the medians meet the goal; null when the figure has no goal. */
  met?: (ours: number, baseline: number) => boolean;
  /** Shown instead of our median when a number would mislead: "> 60 s (cap)", "not supported". */
  oursText?: string;
}

export interface Row {
  section: string;
  name: string;
  unit: string;
  ours: number;
  oursReps: number[];
  oursText?: string;
  baselineName: string;
  baselineUnit: string;
  baseline: number | null;
  baselineReps: number[];
  ratioLabel: string;
  ratio: number | null;
  goal: string;
  met: boolean | null;
}

export function toRow(figure: Figure): Row {
  const ours = median(figure.ours);
  const baseline = figure.baseline ? median(figure.baseline) : null;
  const ratio = figure.ratio && baseline !== null ? figure.ratio(ours, baseline) : null;
  return {
    section: figure.section,
    name: figure.name,
    unit: figure.unit,
    ours,
    oursReps: figure.ours,
    ...(figure.oursText === undefined ? {} : { oursText: figure.oursText }),
    baselineName: figure.baselineName ?? "",
    baselineUnit: figure.baselineUnit ?? figure.unit,
    baseline,
    baselineReps: figure.baseline ?? [],
    ratioLabel: figure.ratioLabel ?? "",
    ratio,
    goal: figure.goal,
    met: figure.met ? figure.met(ours, baseline ?? Number.NaN) : null,
  };
}

export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const withUnit = (value: number | null, unit: string) =>
  value === null ? "–" : `${formatNumber(value)} ${unit}`.trim();

/** One console line per row, with every repetition, as soon as a section finishes. */
export function describeRow(row: Row): string {
  const reps = row.oursReps.map((v) => formatNumber(v)).join(", ");
  const baseline =
    row.baseline === null
      ? ""
      : `  | baseline ${row.baselineName}: ${withUnit(row.baseline, row.baselineUnit)} [${row.baselineReps.map((v) => formatNumber(v)).join(", ")}]`;
  const ratio = row.ratio === null ? "" : `  | ${row.ratioLabel} ${formatNumber(row.ratio)}`;
  const verdict = row.met === null ? "" : row.met ? "  | goal met" : "  | GOAL MISSED";
  return `  ${row.name}: ${row.oursText ?? withUnit(row.ours, row.unit)} [${reps}]${baseline}${ratio}  | goal ${row.goal}${verdict}`;
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    "| figure | ours (median) | baseline, same run (median) | ratio | goal | met |",
    "|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const baseline = row.baseline === null ? "–" : `${row.baselineName}: ${withUnit(row.baseline, row.baselineUnit)}`;
    const ratio = row.ratio === null ? "–" : `${formatNumber(row.ratio)} (${row.ratioLabel})`;
    const met = row.met === null ? "–" : row.met ? "yes" : "**no**";
    lines.push(
      `| ${row.name} | ${row.oursText ?? withUnit(row.ours, row.unit)} | ${baseline} | ${ratio} | ${row.goal} | ${met} |`,
    );
  }
  return lines.join("\n");
}
