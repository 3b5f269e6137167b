import { existsSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { insertLongRun } from "../../test/support/long-run";
import { databaseUrlFile } from "./server-settings";

/**
 * Writes long finished runs straight into the e2e server's database, owned by the browser
 * session of a run it already has (the typed client's runs are the page's). Null on PGlite,
 * which only the server's process can open.
 */
export class LongRuns {
  private constructor(private readonly sql: postgres.Sql) {}

  static connect(baseURL: string | undefined): LongRuns | null {
    const file = databaseUrlFile(new URL(baseURL ?? "http://127.0.0.1:3217").port);
    if (!existsSync(file)) return null;
    return new LongRuns(postgres(readFileSync(file, "utf8").trim(), { max: 1, onnotice: () => {} }));
  }

  /** A finished run of `events` events, owned by whoever owns `sameOwnerAs`. */
  async insert(sameOwnerAs: string, events: number): Promise<string> {
    const [row] = await this.sql<{ owner_id: string }[]>`select owner_id from runs where id = ${sameOwnerAs}`;
    if (!row) throw new Error(`run ${sameOwnerAs} is not in the database`);
    return insertLongRun(this.sql, row.owner_id, events);
  }

  close(): Promise<void> {
    return this.sql.end();
  }
}
