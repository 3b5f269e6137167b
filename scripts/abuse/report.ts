// One row per phase (the baseline, then each attack): what the attacker got back, what the victim
// saw meanwhile, and how the server held up. Printed as it goes, and as Markdown at the end.
import { quantile, type Tally } from "./tally";
import { type VictimReport } from "./victim";

export interface Row {
  attack: string;
  tally: Tally;
  victim: VictimReport;
  /** Resident memory when the phase began and the most seen during it (MB). */
  rssStartMb: number;
  rssMaxMb: number;
  /** The server's CPU time during the attack's window, in % of one core. */
  cpuPercent: number;
  /** "yes", or why the server is not alive after the phase. */
  alive: string;
  /** The attack was still busy past its window (and was left to end with its server). */
  overran: boolean;
}

const COLUMNS: { title: string; width: number; cell: (row: Row) => string }[] = [
  { title: "attack", width: 16, cell: (r) => r.attack },
  { title: "sent", width: 7, cell: (r) => String(r.tally.sent) },
  { title: "2xx", width: 6, cell: (r) => String(r.tally.classes["2xx"]) },
  { title: "3xx", width: 4, cell: (r) => String(r.tally.classes["3xx"]) },
  { title: "4xx", width: 6, cell: (r) => String(r.tally.classes["4xx"]) },
  { title: "5xx", width: 6, cell: (r) => String(r.tally.classes["5xx"]) },
  { title: "hung", width: 6, cell: (r) => String(r.tally.classes.hung) },
  { title: "errors", width: 6, cell: (r) => String(r.tally.classes.errors) },
  { title: "get p50 ms", width: 10, cell: (r) => ms(quantile(r.victim.getLatencies, 0.5)) },
  { title: "get p99 ms", width: 10, cell: (r) => ms(quantile(r.victim.getLatencies, 0.99)) },
  {
    title: "get failed",
    width: 10,
    cell: (r) => `${r.victim.getErrors}/${r.victim.getErrors + r.victim.getLatencies.length}`,
  },
  { title: "runs done", width: 9, cell: (r) => `${r.victim.runsCompleted}/${r.victim.runsStarted}` },
  {
    title: "worst run s",
    width: 11,
    cell: (r) => (r.victim.runsCompleted ? (r.victim.worstRunMs / 1000).toFixed(1) : "-"),
  },
  { title: "RSS MB start→max", width: 16, cell: (r) => `${r.rssStartMb}→${r.rssMaxMb}` },
  { title: "server CPU %", width: 12, cell: (r) => String(r.cpuPercent) },
  { title: "alive", width: 5, cell: (r) => r.alive },
  { title: "notes", width: 0, cell: (r) => notes(r) },
];

function ms(value: number): string {
  return Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function notes(row: Row): string {
  const parts = [row.tally.notes()];
  if (row.victim.startErrors > 0) parts.push(`victim run.start failed ${row.victim.startErrors}`);
  return parts.filter(Boolean).join("; ");
}

export function textHeader(): string {
  const line = COLUMNS.map((c) => c.title.padEnd(c.width)).join("  ");
  return `${line}\n${"-".repeat(line.length + 10)}`;
}

export function textRow(row: Row): string {
  return COLUMNS.map((c) => c.cell(row).padEnd(c.width)).join("  ");
}

export function markdownTable(rows: readonly Row[]): string {
  const escape = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    `| ${COLUMNS.map((c) => c.title).join(" | ")} |`,
    `| ${COLUMNS.map((c) => (c.width === 0 ? "---" : "---:")).join(" | ")} |`.replace("---:", "---"),
    ...rows.map((row) => `| ${COLUMNS.map((c) => escape(c.cell(row))).join(" | ")} |`),
  ];
  return lines.join("\n");
}
