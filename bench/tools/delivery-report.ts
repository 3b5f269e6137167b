/**
 * What the subscriber children of fanout-cost.ts print as events arrive: "delivered <seq> <ms>
 * <cpu µs>" once all `count` subscribers have event <seq>, with the process's CPU so far.
 */
export function deliveryReport(count: number): (seq: number) => void {
  const arrivals = new Map<number, number>();
  return (seq) => {
    const arrived = (arrivals.get(seq) ?? 0) + 1;
    arrivals.set(seq, arrived);
    if (arrived === count) {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`delivered ${seq} ${Date.now()} ${user + system}\n`);
    }
  };
}
