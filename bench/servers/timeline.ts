// The real server with the bench's firehose plan registered beside the app's own plans, for the
// timeline bench's live run (bench/sections/timeline.ts).
//   node --import tsx bench/servers/timeline.ts
import { serveFromEnv } from "../../src/server/serve";
import { firehosePlan } from "../plans/firehose";

await serveFromEnv((options) => ({ ...options, plans: [...(options.plans ?? []), firehosePlan] }));
