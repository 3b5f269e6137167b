/** How long one page may take, and how much of it is read. */
export const PAGE_TIMEOUT_MS = 5_000;
export const MAX_PAGE_BYTES = 1024 * 1024;

export type FetchedPage =
  { kind: "html"; html: string } | { kind: "redirect"; location: string } | { kind: "skipped"; reason: string };

/**
 * GETs one page without following redirects (the crawl decides where they may go), with no
 * cookies or credentials, a timeout and a size limit. An error status or a body that is not
 * HTML is a skip with the reason; an interrupted run's signal rejects.
 */
export async function fetchPage(url: string, signal: AbortSignal): Promise<FetchedPage> {
  const timeout = AbortSignal.timeout(PAGE_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: "manual",
      credentials: "omit",
      headers: { accept: "text/html", "user-agent": "live-runs-screens/1" },
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    signal.throwIfAborted();
    return { kind: "skipped", reason: timeout.aborted ? `no answer within ${PAGE_TIMEOUT_MS} ms` : describe(error) };
  }
  const location = response.headers.get("location");
  if (response.status >= 300 && response.status < 400 && location) {
    await response.body?.cancel();
    return { kind: "redirect", location: new URL(location, url).href };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { kind: "skipped", reason: `HTTP ${response.status}` };
  }
  const type = response.headers.get("content-type") ?? "";
  if (!/^text\/html\b/i.test(type)) {
    await response.body?.cancel();
    return { kind: "skipped", reason: `not HTML (${type.split(";")[0] || "no content type"})` };
  }
  try {
    const html = await readText(response, MAX_PAGE_BYTES);
    return html === null ? { kind: "skipped", reason: `larger than ${MAX_PAGE_BYTES} bytes` } : { kind: "html", html };
  } catch (error) {
    signal.throwIfAborted();
    return { kind: "skipped", reason: timeout.aborted ? `no answer within ${PAGE_TIMEOUT_MS} ms` : describe(error) };
  }
}

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
async function readText(response: Response, limit: number): Promise<string | null> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const describe = (error: unknown) =>
  error instanceof Error
    ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`
    : "fetch failed";
