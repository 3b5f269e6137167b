import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeListCursor, encodeListCursor } from "../../src/server/runs/list-cursor";

const id = "6f1c2a52-0b7e-4d0a-8f3e-1c2d3e4f5a6b";
const encoded = (text: string) => Buffer.from(text).toString("base64url");

describe("run list cursors", () => {
  it("decode to the position they were made from", () => {
    const cursor = { createdAt: new Date("2026-03-01T12:34:56.789Z"), id };
    expect(decodeListCursor(encodeListCursor(cursor))).toEqual(cursor);
    // Any time from 1970 to the end of year 9999 (later ones are refused) to the millisecond, any lower-case uuid.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), fc.uuid(), (ms, uuid) => {
        const position = { createdAt: new Date(ms), id: uuid.toLowerCase() };
        expect(decodeListCursor(encodeListCursor(position))).toEqual(position);
      }),
    );
  });

  it("are opaque text safe in a URL", () => {
    expect(encodeListCursor({ createdAt: new Date(0), id })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("refuse garbage: null, never a throw", () => {
    for (const garbage of ["", "!!!", "%%%", "not a cursor", " ", "\u0000", "😀"]) {
      expect(decodeListCursor(garbage), JSON.stringify(garbage)).toBeNull();
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const decoded = decodeListCursor(text);
        // What decodes at all is a well-formed position, and encodes to a cursor for the same one.
        if (decoded) expect(decodeListCursor(encodeListCursor(decoded))).toEqual(decoded);
      }),
    );
  });

  it("refuse text of the wrong shape inside valid base64url", () => {
    const wrongShapes = [
      "1700000000000", // no id
      id, // no time
      `.${id}`, // empty time
      `abc.${id}`, // time not a number
      `-1.${id}`, // negative time
      `1.5.${id}`, // fractional time
      `1234567890123456.${id}`, // more than 15 digits
      "1700000000000.not-a-uuid",
      `1700000000000.${id.toUpperCase()}`, // ids are written lower-case
      `1700000000000.${id}.extra`,
      `1700000000000.${id}\n`,
      ` 1700000000000.${id}`,
      `1700000000000_${id}`,
    ];
    for (const text of wrongShapes) expect(decodeListCursor(encoded(text)), text).toBeNull();
    expect(decodeListCursor(encoded(`1700000000000.${id}`))).toEqual({ createdAt: new Date(1700000000000), id });
  });
});
