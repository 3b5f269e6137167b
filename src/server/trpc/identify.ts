import type { IncomingMessage } from "node:http";
import { identifyCaller, type Caller } from "../auth/owner";
import type { Services } from "./context";
import { toTRPCError } from "./error-mapping";

/**
 * Who is calling, for a tRPC context. Looking up a token needs the database: an outage is a 503
 * here too, not an internal error.
 */
export function identifyRequest(services: Services, req: IncomingMessage, connectionToken?: string): Promise<Caller> {
  return identifyCaller(services.database.db, services.auth.sessions, req.headers, connectionToken).catch(
    (error: unknown) => {
      throw toTRPCError(error);
    },
  );
}
