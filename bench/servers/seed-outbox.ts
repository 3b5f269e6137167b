// The real server in the seed's outbox design: the outbox is never woken by local appends or
// run.start, and publishes on a fixed timer of SEED_OUTBOX_POLL_MS (default 25 ms) instead.
// Everything else is the real server, so the latency bench isolates what the wake-on-append
// outbox is worth.
//   node --import tsx bench/servers/seed-outbox.ts
import { serveFromEnv } from "../../src/server/serve";

const pollMs = Number(process.env.SEED_OUTBOX_POLL_MS ?? 25);

await serveFromEnv((options) => ({ ...options, outbox: { ...options.outbox, pollMs, wakeOnAppend: false } }));
