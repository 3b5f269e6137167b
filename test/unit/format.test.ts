import { afterEach, describe, expect, it, vi } from "vitest";
import { formatCount, formatDuration, formatEventTime, formatRunTime } from "../../src/app/_lib/format";

describe("formatDuration", () => {
  it("shows under a second in whole milliseconds", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(950)).toBe("950 ms");
    expect(formatDuration(12.4)).toBe("12 ms");
  });

  it("shows a negative duration (clocks apart) as zero", () => {
    expect(formatDuration(-250)).toBe("0 ms");
  });

  it("shows under a minute in seconds to a tenth", () => {
    expect(formatDuration(1_000)).toBe("1.0 s");
    expect(formatDuration(4_200)).toBe("4.2 s");
    expect(formatDuration(59_900)).toBe("59.9 s");
  });

  it("shows a minute and more as minutes and two-digit seconds, seconds rounded down", () => {
    expect(formatDuration(60_000)).toBe("1 min 00 s");
    expect(formatDuration(187_999)).toBe("3 min 07 s");
    expect(formatDuration(3_600_000)).toBe("60 min 00 s");
  });
});

describe("formatCount", () => {
  it("uses the singular for one only", () => {
    expect(formatCount(0, "event")).toBe("0 events");
    expect(formatCount(1, "event")).toBe("1 event");
    expect(formatCount(13, "event")).toBe("13 events");
  });
});

describe("formatEventTime", () => {
  it("shows the local wall-clock time to the millisecond, 24-hour", () => {
    expect(formatEventTime(new Date(2024, 0, 2, 3, 4, 5, 67).getTime())).toMatch(/^03\D04\D05\D067$/);
    expect(formatEventTime(new Date(2024, 0, 2, 23, 0, 0, 0).getTime())).toMatch(/^23\D00\D00\D000$/);
  });
});

describe("formatRunTime", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows only the time of day for a run of today", () => {
    vi.useFakeTimers({ now: new Date(2024, 4, 6, 15, 30) });
    expect(formatRunTime(new Date(2024, 4, 6, 0, 8, 7).toISOString())).toMatch(/^00\D08\D07$/);
  });

  it("adds the date, without seconds, for an older run", () => {
    vi.useFakeTimers({ now: new Date(2024, 4, 6, 0, 0, 1) });
    const yesterday = formatRunTime(new Date(2024, 4, 5, 23, 59, 30).toISOString());
    expect(yesterday).toMatch(/\b5\b.*\b23\D59$/);
    expect(yesterday).not.toMatch(/^\d\d\D\d\d\D\d\d$/);
  });
});
