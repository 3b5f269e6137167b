/**
 * The router's subscription procedures. They are served over the WebSocket only, where the
 * per-connection limits apply; the HTTP handler refuses them. A test checks this list against
 * the router, so a new subscription cannot be forgotten here.
 */
export const SUBSCRIPTION_PATHS: ReadonlySet<string> = new Set(["run.events", "run.activity"]);
