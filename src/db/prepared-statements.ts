import type postgres from "postgres";

/**
 * The postgres.js client Drizzle is given, with every statement prepared. Drizzle asks for a
 * prepared statement only for queries given a name (`.prepare(name)`), and postgres.js sends any
 * other statement with parameters in two round trips: Parse and Describe, then, once Postgres has
 * said the parameters' types, Bind and Execute — and Postgres parses and plans it every time.
 * Prepared, a statement is described once per connection and then goes in one round trip, with its
 * parse kept (and its plan, where Postgres finds a generic one as good).
 *
 * Every statement's text here is fixed or comes in a few shapes (filters, batch appends travel as
 * one JSON parameter), so what each connection keeps stays small.
 */
export function preparingStatements<T extends postgres.Sql>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, parameters?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, parameters as postgres.ParameterOrJSON<never>[], { ...options, prepare: true });
      }
      // A transaction's (or savepoint's) own client prepares too.
      if (property === "begin" || property === "savepoint") {
        const open = Reflect.get(target, property, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const body = args.at(-1) as (client: postgres.Sql) => unknown;
          return open.apply(target, [...args.slice(0, -1), (inner: postgres.Sql) => body(preparingStatements(inner))]);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
