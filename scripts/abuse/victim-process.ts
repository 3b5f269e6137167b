// The victim in a process of its own, so that the attacker's work in the abuse process cannot
// delay its calls or its clock. Driven over IPC by spawnVictim (victim-handle.ts):
//   → { type: "ready" } | { type: "failed", message }   ← { type: "finish", settleMs }   → { type: "report", report }
import { startVictim } from "./victim";

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
process.on("disconnect", () => process.exit(0)); // the abuse run is gone: so is its victim

try {
  const victim = await startVictim(process.env.ABUSE_VICTIM_URL!, process.env.ABUSE_VICTIM_TOKEN!);
  process.on("message", (message: { type: string; settleMs: number }) => {
    if (message.type !== "finish") return;
    victim.stopLoad();
    void victim
      .settle(message.settleMs)
      .then(() => send({ type: "report", report: victim.report() }))
      .finally(() => victim.close())
      .finally(() => process.exit(0));
  });
  await send({ type: "ready" });
} catch (error) {
  await send({ type: "failed", message: (error as Error).message });
  process.exit(1);
}
