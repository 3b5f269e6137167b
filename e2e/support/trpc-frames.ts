/** A tRPC WebSocket request as the client sends it (one message, or several batched in an array). */
export interface SubscriptionRequest {
  id: number | string;
  method: string;
  params: { path: string; input?: { runId?: string; fromSeq?: number }; lastEventId?: string | null };
}

/** The `run.events` subscription requests in a frame the page sent. */
export function runEventsRequests(frame: string | Buffer): SubscriptionRequest[] {
  const parsed = JSON.parse(frame.toString()) as SubscriptionRequest | SubscriptionRequest[];
  return (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (message) => message.method === "subscription" && message.params.path === "run.events",
  );
}
