import type { IncomingHttpHeaders } from "node:http";
import { identifyCaller, type Caller } from "../auth/owner";
import type { Services } from "./context";
import { beforeDeadline } from "../errors";
import { toTRPCError } from "./error-mapping";

/**
 * Who is calling, for a tRPC context. Looking up a token needs the database: an outage is a 503
 * here too, not an internal error. An HTTP request passes `answerBy`, the deadline it got when it
 * arrived, which its calls then share; a WebSocket connection gets a deadline of its own.
 */
export function identifyRequest(
  services: Services,
  req: { headers: IncomingHttpHeaders },
  { connectionToken, answerBy }: { connectionToken?: string | undefined; answerBy?: number } = {},
): Promise<Caller> {
  const lookup = identifyCaller(
    services.database.db,
    { sessions: services.auth.sessions, viewTokens: services.auth.credentials.viewTokens },
    credentialHeaders(services, req),
    connectionToken,
  );
  const deadlineMs = services.requestDeadlineMs;
  return beforeDeadline(lookup, { answerBy: answerBy ?? Date.now() + deadlineMs, deadlineMs }).catch(
    (error: unknown) => {
      throw toTRPCError(error);
    },
  );
}

/**
 * A page on another allowed origin calls with a token: its session cookie (sent along when that
 * origin is on the same site, e.g. another port) is not a credential here, or any page there could
 * act as the visitor's anonymous owner.
 */
function credentialHeaders(services: Services, req: { headers: IncomingHttpHeaders }): IncomingHttpHeaders {
  const { origin, cookie, ...others } = req.headers;
  if (origin === undefined || !services.auth.allowedOrigins.includes(origin) || cookie === undefined)
    return req.headers;
  return { origin, ...others };
}
