import type { TRPCSubscriptionStatus } from "@trpc/tanstack-react-query";
import { useState } from "react";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "ended" | "offline";

/**
 * What a subscription's status means to a person: tRPC reports "connecting" both before the
 * first connection and while it re-establishes a dropped one, so remember whether it was live.
 */
export function useConnectionState(status: TRPCSubscriptionStatus, ended: boolean): ConnectionState {
  const [wasLive, setWasLive] = useState(false);
  if (status === "pending" && !wasLive) setWasLive(true);
  if (ended) return "ended";
  switch (status) {
    case "pending":
      return "live";
    case "connecting":
      return wasLive ? "reconnecting" : "connecting";
    case "error":
      return "offline";
    case "idle":
      return "connecting";
  }
}
