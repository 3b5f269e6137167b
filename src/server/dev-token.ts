// `npm run dev` hands out a token so the README's command-line steps work in the order it gives
// them: start the server, copy the token, run `npm run runs`. While the server holds the embedded
// database, `npm run tokens` cannot write to it, so the server is where the first token comes from.
import type { Db } from "../db/client";
import { createApiToken, hasLiveApiToken } from "./auth/api-tokens";

export const DEV_TOKEN_OWNER = "dev";

/** A new token for the owner `dev` when the database has no live token at all; null otherwise. */
export async function createDevTokenIfNone(db: Db): Promise<string | null> {
  if (await hasLiveApiToken(db)) return null;
  return (await createApiToken(db, DEV_TOKEN_OWNER, "created by npm run dev")).secret;
}

/** The lines printed once at start: labelled, and ready to paste into a shell. */
export function devTokenNotice(secret: string, url: string): string {
  return [
    "",
    `Dev API token for owner "${DEV_TOKEN_OWNER}" (shown once; this database had no active token):`,
    `  export LIVE_RUNS_URL=${url} LIVE_RUNS_TOKEN=${secret}`,
    "  npm run runs -- start --watch",
    "",
  ].join("\n");
}
