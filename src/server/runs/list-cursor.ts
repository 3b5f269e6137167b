import type { ListCursor } from "./queries";

// Opaque to clients: base64url of "<createdAt epoch ms>.<run id>".
export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdAt.getTime()}.${cursor.id}`).toString("base64url");
}

const decodedShape = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** The last millisecond of year 9999: later times do not survive the trip to Postgres as ISO text. */
const LATEST_CURSOR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Returns null for anything that is not a cursor this server produced. */
export function decodeListCursor(cursor: string): ListCursor | null {
  const match = decodedShape.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || Number(match[1]) > LATEST_CURSOR_MS) return null;
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}
