import type { Db } from "../../db/client";

/** A read of a run's stored events after a seq (events/read.ts, events/read-json.ts). */
export type PageRead<T> = (db: Db, runId: string, afterSeq: number, limit: number) => Promise<T[]>;

const pendingReads = new WeakMap<PageRead<unknown>, WeakMap<Db, Map<string, Promise<unknown[]>>>>();

/**
 * Subscribers of one run that attach (or resync) in the same turn of the event loop ask for the
 * same rows: a thousand viewers opening a popular run, or every subscriber after the listener
 * reconnected. They share one query instead of queueing a thousand identical ones for the pool.
 * The query is issued after that turn, so it still starts after every sharer attached its inbox.
 */
export function sharedRead<T>(read: PageRead<T>, db: Db, runId: string, afterSeq: number, limit: number): Promise<T[]> {
  let byDb = pendingReads.get(read);
  if (!byDb) pendingReads.set(read, (byDb = new WeakMap()));
  let pending = byDb.get(db);
  if (!pending) byDb.set(db, (pending = new Map<string, Promise<unknown[]>>()));
  const key = `${runId}:${afterSeq}:${limit}`;
  let page = pending.get(key) as Promise<T[]> | undefined;
  if (!page) {
    const inFlight = pending;
    page = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      inFlight.delete(key);
      return read(db, runId, afterSeq, limit);
    });
    pending.set(key, page);
  }
  return page;
}
