import type { Db } from "./client";

/**
 * A query built once per database handle and run many times with placeholders (Drizzle's
 * `.prepare()`), for the queries asked on every request or every run. Drizzle's query builder is
 * costly per call — measured here, a one-row select built each time took ~330–480 µs of CPU per
 * call against ~140–220 µs prepared, mostly its proxies and the garbage they leave — while the SQL
 * text of these queries never changes. Keyed by the handle, so a transaction's handle gets its own.
 */
export function builtOnce<Query>(build: (db: Db) => Query): (db: Db) => Query {
  const built = new WeakMap<Db, Query>();
  return (db) => {
    let query = built.get(db);
    if (!query) built.set(db, (query = build(db)));
    return query;
  };
}
