import type { ListCursor } from "./queries";

// Opaque to clients: base64url of "<createdAt epoch ms>.<run id>".
export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdAt.getTime()}.${cursor.id}`).toString("base64url");
}

const decodedShape = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Returns null for anything that is not a cursor this server produced. */
export function decodeListCursor(cursor: string): ListCursor | null {
  const match = decodedShape.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) return null;
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}
