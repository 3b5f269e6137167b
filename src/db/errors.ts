// postgres.js connection failures, and SQLSTATEs for "the server went away or will not take us":
// class 08 (connection exception), 57P01-57P03 (shutdown, crash, cannot connect now), 53300.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/** True when the error (or one of its causes) says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const code = "code" in current ? String(current.code) : "";
    if (CONNECTION_CODES.has(code) || code.startsWith("08")) return true;
    current = "cause" in current ? current.cause : null;
  }
  return false;
}
