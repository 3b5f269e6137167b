// A bounded abuse run: each attack from the "Hostile by default" list is played for a few seconds
// against a production server on loopback while a well-behaved owner (the victim) keeps reading and
// running; one row per attack. The server is fresh (new process, new database) at the start, after
// an attack that killed it, left runs behind or was not done with it, and when it has not settled;
// --fresh-server-per-attack gives every attack its own. It measures, it does not judge: the exit
// code is non-zero only when the run itself failed (no build, no database, a server that would not
// start).
//   npm run abuse -- [--seconds-per-attack 15] [--only malformed-url,big-batch] [--fresh-server-per-attack]
// Needs Postgres: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { parseArgs } from "node:util";
import { ATTACKS, type Attack } from "./abuse/attacks";
import { markdownTable, type Row, textHeader, textRow } from "./abuse/report";
import { ensureBuild, sampleCpu, sampleRss, type ServerUnderTest, startServer } from "./abuse/server";
import { sleep, Tally } from "./abuse/tally";
import { spawnVictim, type VictimHandle } from "./abuse/victim-handle";

const VICTIM_OWNER = "abuse-victim";
/** A victim run not finished this long after the attack stopped counts as incomplete. */
const SETTLE_MS = 10_000;
/** An attack still busy this long after its window is abandoned (its sockets die with the server). */
const OVERRUN_MS = 5_000;

const { values: args } = parseArgs({
  options: {
    "seconds-per-attack": { type: "string", default: "15" },
    only: { type: "string" },
    "fresh-server-per-attack": { type: "boolean", default: false },
  },
});
const seconds = Number(args["seconds-per-attack"]);
const names = args.only?.split(",").map((name) => name.trim()) ?? ATTACKS.map((attack) => attack.name);
const unknown = names.filter((name) => !ATTACKS.some((attack) => attack.name === name));
if (!Number.isFinite(seconds) || seconds < 1 || seconds > 120 || unknown.length > 0) {
  process.stderr.write(
    `usage: npm run abuse -- [--seconds-per-attack 1..120] [--fresh-server-per-attack] [--only ${ATTACKS.map((a) => a.name).join(",")}]\n` +
      (unknown.length ? `unknown attack: ${unknown.join(", ")}\n` : ""),
  );
  process.exit(2);
}
const selected = ATTACKS.filter((attack) => names.includes(attack.name));

const log = (message: string) => process.stdout.write(`[abuse ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
// The server of the current phase (a cast, so the loop below does not narrow it to null).
let server = null as ServerUnderTest | null;
let interrupted = false;
process.once("SIGINT", () => {
  interrupted = true;
  log("interrupted: stopping the server and dropping its database");
  void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

/** One phase on `target`: the victim, the attack (none for the baseline), the verdict. */
async function play(target: ServerUnderTest, name: string, attack: Attack | null): Promise<Row> {
  const rss = sampleRss(target.pid);
  const tally = new Tally();
  const logsBefore = target.logCounts();
  const printedBefore = target.printed();
  let victim: VictimHandle | null = null;
  try {
    victim = await spawnVictim(target.url, target.victimToken);
    const controller = new AbortController();
    const windowMs = seconds * 1000;
    const timer = setTimeout(() => controller.abort(), windowMs);
    const cpu = sampleCpu(target.pid);
    const context = { port: target.port, deadline: Date.now() + windowMs, signal: controller.signal, tally };
    const attacking = attack
      ? attack.run(context).then(
          () => "done",
          (error: unknown) => tally.count(`attack stopped early (${(error as Error).message})`),
        )
      : sleep(windowMs);
    const overran = (await Promise.race([attacking, sleep(windowMs + OVERRUN_MS).then(() => "overran")])) === "overran";
    const cpuPercent = cpu.stop();
    if (overran) tally.count("attack overran its window");
    clearTimeout(timer);
    controller.abort();
    const report = await victim.finish(SETTLE_MS);
    const alive = await target.alive();
    if (alive !== "yes") {
      const output = target.output(printedBefore).slice(-8);
      log(
        `the server is not alive after ${name} (${alive})${output.length ? `; its last output:\n${output.join("\n")}` : ""}`,
      );
    }
    const logged = [...target.logCounts()]
      .map(([message, count]) => [message, count - (logsBefore.get(message) ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    for (const [message, count] of logged) tally.count(`server printed "${message}"`, count);
    return {
      attack: name,
      tally,
      victim: report,
      rssStartMb: rss.startMb,
      rssMaxMb: rss.stop(),
      cpuPercent,
      alive,
      overran,
    };
  } finally {
    rss.stop();
    victim?.kill();
  }
}

const startedAt = Date.now();
ensureBuild(log);
log(
  `${seconds} s per attack; the victim's runs get ${SETTLE_MS / 1000} s to finish after; ` +
    (args["fresh-server-per-attack"]
      ? "a fresh server and database for every attack"
      : "a fresh server and database at the start, and again when an attack left it dead, unsettled or with runs behind"),
);
log("baseline: no attack, the victim alone");
for (const attack of selected) log(`${attack.name}: ${attack.summary}`);
const rows: Row[] = [];
async function freshServer(name: string): Promise<ServerUnderTest> {
  await server?.stop();
  server = null;
  log(`starting a fresh server for ${name}`);
  server = await startServer(VICTIM_OWNER);
  return server;
}
let fresh = true;
try {
  for (const [name, attack] of [["baseline", null] as const, ...selected.map((a) => [a.name, a] as const)]) {
    // What an attack set going (queued queries, buffers) may outlast it: the next one waits for the
    // server to settle, and gets a fresh one if it does not.
    if (!fresh && server && !(await server.settled(SETTLE_MS))) {
      log(`the server had not settled ${SETTLE_MS / 1000} s after the last attack`);
      fresh = true;
    }
    const target: ServerUnderTest = fresh || !server ? await freshServer(name) : server;
    if (rows.length === 0) process.stdout.write(`\n${textHeader()}\n`);
    const row: Row = await play(target, name, attack).catch(async (error: unknown) => {
      if (fresh) throw error; // a fresh server that cannot serve the victim: the run itself failed
      log(`${(error as Error).message}: playing ${name} again on a fresh server`);
      return play(await freshServer(name), name, attack);
    });
    rows.push(row);
    process.stdout.write(`${textRow(row)}\n`);
    // An attack that overran may still hold sockets: they end with its server.
    fresh = args["fresh-server-per-attack"] || row.alive !== "yes" || row.overran || attack?.leavesRunsBehind === true;
  }
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the SIGINT handler cleans up and exits
  log(`the abuse run failed: ${(error as Error).stack ?? String(error)}`);
  await server?.stop();
  process.exit(1);
}
await server?.stop();
process.stdout.write(`\n${markdownTable(rows)}\n\n`);
log(`done in ${Math.round((Date.now() - startedAt) / 1000)} s`);
process.exit(0);
