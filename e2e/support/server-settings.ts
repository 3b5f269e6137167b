import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Settings the specs rely on, passed to the server under test by playwright.config.ts.
 * A step running longer than NODE_TIMEOUT_MS fails its run with `timeout:<step>`: the failure
 * spec uses a longer step delay; every other spec stays well below it.
 */
export const NODE_TIMEOUT_MS = 6_000;

/**
 * Where e2e/serve.ts writes the URL of the server's Postgres database (absent on PGlite, which
 * only the server's process can open), for specs that act on it as another instance would.
 */
export const databaseUrlFile = (port: number | string) => join(tmpdir(), `live-runs-e2e-${port}.database-url`);

/**
 * The port of the view-token example app (examples/view-token/) in its spec: another origin, which
 * playwright.config.ts lists in the server's ALLOWED_ORIGINS.
 */
export const viewTokenAppPort = (port: number | string) => Number(port) + 50;
