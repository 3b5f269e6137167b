import fc from "fast-check";
import { SESSION_COOKIE } from "../../src/server/auth/session-cookie";

/** What a hostile request may know: the server's host, a valid token and a valid session cookie. */
export interface Credentials {
  host: string;
  token: string;
  session: string;
}

/** Text a header value may hold (printable ASCII): hostile in meaning, well-formed as HTTP. */
const junk = (maxLength = 40) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
/** Any byte but CR and LF: NUL, controls, Latin-1; Node's parser refuses most of these in headers. */
const rawJunk = (maxLength = 40) =>
  fc.string({ unit: "binary-ascii", maxLength }).map((text) => text.replace(/[\r\n]/g, ""));
const absent = fc.constant(null);
const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ weight: 6, arbitrary });

const PROCEDURES = ["run.start", "run.cancel", "run.get", "run.list", "run.events", "run.activity"];
const procedureName = fc.constantFrom(...PROCEDURES);
const oddName = fc.constantFrom("run.nope", "", "run", "__proto__", "run.list.x", "run%2Elist");
/** One call, or a batch of up to 30 (within and past the batch limit), some with names that do not exist. */
const procedures = fc.oneof(
  often(procedureName),
  fc.array(procedureName, { minLength: 2, maxLength: 30 }).map((names) => names.join(",")),
  fc.array(fc.oneof(procedureName, oddName), { minLength: 1, maxLength: 30 }).map((names) => names.join(",")),
);

/** Ways to spell the API's path: dot segments, encoded dots, doubled slashes, malformed escapes. */
const prefix = fc.oneof(
  often(fc.constant("/api/trpc/")),
  fc.constantFrom(
    "/api/./trpc/",
    "/api/x/../trpc/",
    "//api/trpc/",
    "/api/trpc//",
    "/api/trpc/%2e/",
    "/%2e/api/trpc/",
    "/api/%2e%2e/api/trpc/",
    "/api/trpc/..%2f",
    "/API/trpc/",
    "/api/trpc/%E0",
    "/api/trpc/%",
    "/api/trpc/%zz/",
    "/healthz/../api/trpc/",
    "/",
    "/metrics/",
  ),
);
const query = fc.oneof(
  fc.constant(""),
  fc.constant("?batch=1"),
  fc.jsonValue().map((input) => `?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`),
  fc.jsonValue().map((input) => `?input=${encodeURIComponent(JSON.stringify(input))}`),
  fc.stringMatching(/^\?[!-~]{0,60}$/),
);
const target = fc.tuple(prefix, procedures, query).map((parts) => parts.join(""));

/** Inputs run.start must refuse: nothing may be written. */
const refusedStart = fc.constantFrom<unknown>(
  { appPath: "" },
  { appPath: "/a\u0000b" },
  { stepDelayMs: -1 },
  { stepDelayMs: "5" },
  "x",
  7,
  [],
);

/**
 * A body for a request that could reach run.start: one refused input, or for a batch one per call
 * (tRPC would read a missing one as "no input", which run.start accepts).
 */
function refusedStartBody(target: string, inputs: unknown[]): string {
  // Read the target as tRPC does: `batch=1` anywhere in the query makes it a batch.
  const url = new URL(target, "http://localhost");
  if (url.searchParams.get("batch") !== "1") return JSON.stringify(inputs[0]);
  const calls = url.pathname.split(",").length;
  return JSON.stringify(Object.fromEntries(inputs.slice(0, calls).entries()));
}

/** Header values that are well-formed HTTP and hostile in meaning. */
const headerValues = (credentials: Credentials) => {
  const own = credentials.host;
  const session = `${SESSION_COOKIE}=${credentials.session}`;
  return {
    host: fc.oneof(
      often(fc.constant(own)),
      fc.constantFrom("evil.example", "", `${own}.evil.example`, `user@${own}`, "[:::]", "999.999.999.999", "h:99999"),
      junk(),
      absent,
    ),
    origin: fc.oneof(
      often(fc.constantFrom(null, `http://${own}`)),
      fc.constantFrom(`https://${own}`, "http://evil.example", "null"),
      junk(),
    ),
    contentType: fc.oneof(
      often(fc.constant("application/json")),
      absent,
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
      ),
      junk(),
    ),
    authorization: fc.oneof(
      often(absent),
      fc.constantFrom(`Bearer ${credentials.token}`, `Bearer ${credentials.token}x`, "Bearer", "Basic Og=="),
      junk().map((text) => `Bearer ${text}`),
      junk(),
    ),
    cookie: fc.oneof(
      absent,
      often(
        fc.constantFrom(
          session,
          `${SESSION_COOKIE}=%E0%`,
          `${SESSION_COOKIE}=%zz`,
          `${session}; ${SESSION_COOKIE}=garbage`,
          `${SESSION_COOKIE}=garbage; ${session}`,
          `a=%; ${session}`,
          `${session.slice(0, -2)}`,
          `${SESSION_COOKIE}=${"a".repeat(4000)}`,
        ),
      ),
      junk(200),
    ),
  };
};

/** Ways to break HTTP itself; Node's parser answers most of them 400 before the server sees a request. */
type Malformation =
  | "none"
  | "method"
  | "version"
  | "control bytes in a header"
  | "garbage length"
  | "shorter length"
  | "chunked and length"
  | "body without length"
  | "bytes in the path";

/** One raw request (always `Connection: close`): its bytes, and a line saying what it was. */
export function hostileRequest(credentials: Credentials): fc.Arbitrary<{ bytes: Buffer; summary: string }> {
  return fc
    .record({
      method: fc.oneof(often(fc.constantFrom("GET", "POST")), fc.constantFrom("PUT", "OPTIONS", "HEAD", "DELETE")),
      target,
      ...headerValues(credentials),
      chunked: fc.boolean(),
      body: fc.oneof(
        fc.jsonValue().map((value) => JSON.stringify(value) ?? ""),
        junk(2000),
        fc.constant(""),
      ),
      startInputs: fc.array(refusedStart, { minLength: 30, maxLength: 30 }),
      expectContinue: fc.boolean(),
      malformation: fc.oneof(
        { weight: 12, arbitrary: fc.constant<Malformation>("none") },
        fc.constantFrom<Malformation>(
          "method",
          "version",
          "control bytes in a header",
          "garbage length",
          "shorter length",
          "chunked and length",
          "body without length",
          "bytes in the path",
        ),
      ),
      garbage: fc.tuple(fc.constantFrom("abc", "-1", "1, 2", "0x10", "1e3", ""), rawJunk(40)),
    })
    .map((request) => {
      const { malformation } = request;
      const [lengthJunk, bytesJunk] = request.garbage;
      // A request that could reach run.start carries only input it must refuse; where a lie about
      // its length would leave it an empty body (no input, which run.start accepts), no valid token.
      const startable = request.target.includes("run.start");
      const emptied = startable && (malformation === "shorter length" || malformation === "body without length");
      const body = Buffer.from(
        startable ? refusedStartBody(request.target, request.startInputs) : request.body,
        "latin1",
      );
      const authorization =
        malformation === "control bytes in a header"
          ? `Bearer \u0000${bytesJunk}`
          : emptied
            ? `Bearer ${credentials.token}x`
            : request.authorization;
      const headers: [string, string | null][] = [
        ["Host", request.host],
        ["Origin", request.origin],
        ["Content-Type", request.contentType],
        ["Authorization", authorization],
        ["Cookie", request.cookie],
        ["Expect", request.expectContinue ? "100-continue" : null],
        ["Connection", "close"],
      ];
      const chunked = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from(body.length > 0 ? "\r\n0\r\n\r\n" : "\r\n"),
      ]);
      // Never a length longer than what is sent: the server would rightly wait for the rest.
      const framing: [string[], Buffer] =
        malformation === "garbage length"
          ? [[`Content-Length: ${lengthJunk}`], body]
          : malformation === "shorter length"
            ? [[`Content-Length: ${Math.floor(body.length / 2)}`], body]
            : malformation === "chunked and length"
              ? [["Transfer-Encoding: chunked", `Content-Length: ${body.length}`], chunked]
              : malformation === "body without length"
                ? [[], body]
                : request.chunked
                  ? [["Transfer-Encoding: chunked"], chunked]
                  : [[`Content-Length: ${body.length}`], body];
      const method = malformation === "method" ? "BREW" : request.method;
      const path = malformation === "bytes in the path" ? `/${bytesJunk}${request.target}` : request.target;
      const version = malformation === "version" ? "HTTP/9.9" : "HTTP/1.1";
      const head = [`${method} ${path} ${version}`]
        .concat(headers.filter(([, value]) => value !== null).map(([name, value]) => `${name}: ${value}`))
        .concat(framing[0]);
      return {
        bytes: Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), framing[1]]),
        summary: `${malformation}: ${method} ${JSON.stringify(path)} ${JSON.stringify(headers)}`,
      };
    });
}
