/** A tRPC WebSocket request as the client sends it (one message, or several batched in an array). */
export interface SubscriptionRequest {
  id: number | string;
  method: string;
  params: { path: string; input?: { runId?: string; fromSeq?: number }; lastEventId?: string | null };
}

/** The `run.events` subscription requests in a frame the page sent. */
export function runEventsRequests(frame: string | Buffer): SubscriptionRequest[] {
  const text = frame.toString();
  // Keep-alive frames are bare words, not JSON.
  if (text === "PING" || text === "PONG") return [];
  const parsed = JSON.parse(text) as SubscriptionRequest | SubscriptionRequest[];
  return (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (message) => message.method === "subscription" && message.params.path === "run.events",
  );
}
