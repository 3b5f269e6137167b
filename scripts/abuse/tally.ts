// What an attacker saw: answers by status class, requests that got no answer in time ("hung"),
// transport errors, and free-form counters for the notes column.

export type Outcome = { status: number } | { hung: true } | { error: string };

export class Tally {
  sent = 0;
  readonly classes = { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, hung: 0, errors: 0 };
  private readonly counters = new Map<string, number>();

  record(outcome: Outcome): void {
    if ("status" in outcome) {
      const klass = `${Math.floor(outcome.status / 100)}xx`;
      if (klass in this.classes) this.classes[klass as "2xx"] += 1;
      else this.count(`status ${outcome.status}`);
    } else if ("hung" in outcome) this.classes.hung += 1;
    else {
      this.classes.errors += 1;
      this.count(outcome.error);
    }
  }

  /** A named counter shown in the notes column, e.g. "ECONNREFUSED" or "owners minted". */
  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  notes(): string {
    return [...this.counters].map(([name, n]) => `${name} ${n}`).join(", ");
  }
}

/** The q-quantile (0..1) of unsorted samples, nearest rank; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
