import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);
const ROUNDS = 5;

// The reproduction of porsager/postgres#1208 (see patches/postgres+3.4.9.patch): queries on a
// connection whose backend died either crashed the process with an uncatchable TypeError from a
// deferred write, or waited forever. Run in a process of its own, as a server would, so a crash
// shows as an exit code and a hang as a timeout.
const reproduction = `
import postgres from "postgres";
const url = process.env.TEST_DATABASE_URL;
const outcomes = [];
for (let round = 0; round < ${ROUNDS}; round++) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const killer = postgres(url, { max: 1, onnotice: () => {} });
  const reserved = await sql.reserve();
  const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
  await killer\`select pg_terminate_backend(\${pid})\`;
  for (let i = 0; i < 2; i++) outcomes.push(await reserved\`select 1\`.then(() => "ok", (error) => error.code));
  reserved.release();
  await Promise.all([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })]);
}
process.stdout.write(JSON.stringify(outcomes));
`;

describe.runIf(hasPostgres)("the patched postgres.js driver", () => {
  it("fails queries on a connection whose backend died, without crashing or hanging", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", reproduction], {
      env: process.env,
      timeout: 20_000,
    });
    const outcomes = JSON.parse(stdout) as string[];
    expect(outcomes).toHaveLength(ROUNDS * 2);
    for (const outcome of outcomes) expect(["CONNECTION_CLOSED", "ECONNRESET"]).toContain(outcome);
  });
});
