import type { IncomingMessage } from "node:http";
import { identifyCaller, type Caller } from "../auth/owner";
import type { Services } from "./context";
import { withinDeadline } from "../errors";
import { toTRPCError } from "./error-mapping";

/**
 * Who is calling, for a tRPC context. Looking up a token needs the database: an outage is a 503
 * here too, not an internal error, and within the same deadline as the call itself (this runs
 * before the call's own deadline starts).
 */
export function identifyRequest(services: Services, req: IncomingMessage, connectionToken?: string): Promise<Caller> {
  const lookup = identifyCaller(services.database.db, services.auth.sessions, req.headers, connectionToken);
  return withinDeadline(lookup, services.requestDeadlineMs).catch((error: unknown) => {
    throw toTRPCError(error);
  });
}
