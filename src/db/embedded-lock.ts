// One process per embedded database: PGlite is a single-process database, and a second process on
// the same directory (a token created beside a running server, a migration, a second server) reads
// and writes its own copy of the pages, so what it writes is not seen by the first until a restart,
// or is lost. Whoever opens the directory takes this lock first; it is released on close and exit.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";

export const LOCK_FILE = "live-runs.lock";

export interface LockHolder {
  pid: number;
  /** What holds it: "server", "tokens", "db:migrate", … */
  holder: string;
  startedAt: string;
}

/** Another live process holds the directory. The message names it; `lockPath` is for a `staleHint`. */
export class EmbeddedDatabaseBusy extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly current: LockHolder,
  ) {
    super(`the embedded database ${dataDir} is in use by ${describeHolder(current)}`);
  }
}

/** For the rare lock whose pid now belongs to another program (the pid was reused). */
export const staleHint = (busy: EmbeddedDatabaseBusy) => `(no such process? delete ${busy.lockPath})`;

export const describeHolder = (current: LockHolder) =>
  `${current.holder === "server" ? "a running server" : `"${current.holder}"`} (pid ${current.pid}, since ${current.startedAt})`;

// Locks this process holds, by path: released together when it exits, whatever the way out.
const held = new Set<string>();
process.once("exit", () => {
  for (const path of held) removeIfOurs(path);
});

/**
 * Takes the lock on `dataDir` for this process (created exclusively, with its pid), taking over a
 * lock whose process is gone; throws EmbeddedDatabaseBusy while a live process holds it.
 * Returns the release function.
 */
export function lockEmbeddedDatabase(dataDir: string, holder: string): () => void {
  const lockPath = join(resolve(dataDir), LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, holder, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (createExclusively(lockPath, mine)) {
      held.add(lockPath);
      return () => {
        if (held.delete(lockPath)) removeIfOurs(lockPath);
      };
    }
    const current = readHolder(lockPath);
    if (current === undefined) continue; // released between our attempt and the read: try again
    // A lock of this very pid that this process does not hold is from an earlier process that had
    // the same pid (a container restarted): stale too.
    if (held.has(lockPath) || (current !== null && isAlive(current.pid) && current.pid !== process.pid)) {
      throw new EmbeddedDatabaseBusy(dataDir, lockPath, current ?? unreadable);
    }
    takeOverStale(lockPath, current);
  }
  throw new EmbeddedDatabaseBusy(dataDir, lockPath, readHolder(lockPath) ?? unreadable);
}

const unreadable: LockHolder = { pid: 0, holder: "unknown", startedAt: "unknown" };

function createExclusively(lockPath: string, mine: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(mine)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's holder; null when the file is unreadable or garbled (a crash mid-write), undefined when gone. */
function readHolder(lockPath: string): LockHolder | null | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    return Number.isInteger(parsed.pid) && parsed.pid! > 0 ? (parsed as LockHolder) : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves a stale lock aside (rename is atomic: of two processes taking it over at once, one wins),
 * and puts it back if what was moved turns out to be a live lock created in between.
 */
function takeOverStale(lockPath: string, stale: LockHolder | null): void {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved && moved.pid !== stale?.pid && isAlive(moved.pid)) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // A third process created a lock meanwhile: it holds the directory now.
    }
  }
  unlinkSync(aside);
}

function removeIfOurs(lockPath: string): void {
  if (readHolder(lockPath)?.pid === process.pid) unlinkSync(lockPath);
}
