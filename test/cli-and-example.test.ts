import { beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../src/client";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { runTs } from "./support/run-command";
import { startTcpProxy } from "./support/tcp-proxy";
import { TEST_OWNER } from "./support/test-server";

const api = useTestServer();
let token = "";
beforeAll(async () => {
  token = await api().tokenFor(TEST_OWNER);
});
const cli = (...args: string[]) =>
  runTs("src/cli/runs.ts", ["--url", api().server.url, ...args], { LIVE_RUNS_TOKEN: token });
const eventLines = (stdout: string) => stdout.split("\n").filter((line) => /^\s+\d+\s{2}\d\d:/.test(line));

// Each call starts a process (seconds each on a busy machine).
describe("the runs CLI", { timeout: 240_000 }, () => {
  it("start --watch prints the live timeline and exits 0 on success", async () => {
    const { code, stdout } = await cli("start", "--step-delay", "0", "--app-path", "apps/cli", "--watch").done;
    expect(code).toBe(0);
    const lines = eventLines(stdout);
    expect(lines).toHaveLength(13);
    expect(lines.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual([...Array(13).keys()].map((i) => i + 1));
    expect(stdout).toContain("[####################] 5/5 nodes  succeeded");
  });

  it("start --plan runs another plan with its --input, its progress counted against that plan's steps", async () => {
    const { code, stdout } = await cli("start", "--plan", "word-count", "--input", '{"text":"a b a"}', "--watch").done;
    expect(code).toBe(0);
    expect(eventLines(stdout)).toHaveLength(9);
    expect(stdout).toContain("[####################] 3/3 nodes  succeeded");

    const plans = await cli("plans").done;
    expect(plans.code).toBe(0);
    expect(plans.stdout).toContain("word-count       Split → Count → Summarise  (Word count)");

    const refused = await cli("start", "--plan", "word-count", "--input", '{"text":1}').done;
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(
      "BAD_REQUEST: invalid input\n  text: Invalid input: expected string, received number",
    );
    for (const args of [
      ["--plan", "word-count", "--step-delay", "5"],
      ["--input", '{"text":"a"}'],
      ["--plan", "word-count", "--input", "[1]"],
    ]) {
      expect((await cli("start", ...args).done).code, args.join(" ")).toBe(2);
    }
  });

  it("watch exits 3 for a cancelled run; cancel prints the final state; list shows both", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 60_000, appPath: "apps/cancel-me" });
    const watching = cli("watch", run.id);
    await watching.waitForOutput("NodeStarted");

    const cancel = await cli("cancel", run.id).done;
    expect(cancel).toMatchObject({ code: 0, stdout: `${run.id} cancelled\n` });
    const watched = await watching.done;
    expect(watched.code).toBe(3);
    expect(watched.stdout).toContain("cancelled (user_cancelled)");

    const list = await cli("list", "--limit", "5").done;
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${run.id}\\s+cancelled`));
    expect(list.stdout).toContain("apps/cancel-me");
  });

  it("watch resumes after the connection drops, without gaps or repeats", async () => {
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: api().server.port });
    try {
      const { trpc } = api().client();
      const run = await trpc.run.start.mutate({ stepDelayMs: 300 });
      const watching = runTs("src/cli/runs.ts", [
        "--url",
        `http://127.0.0.1:${proxy.port}`,
        "--token",
        token,
        "watch",
        run.id,
      ]);
      await watching.waitForOutput("NodeFinished  EnsureDevice");
      proxy.down();
      proxy.up();
      const { code, stdout } = await watching.done;
      expect(code).toBe(0);
      expect(eventLines(stdout).map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual(
        [...Array(13).keys()].map((i) => i + 1),
      );
    } finally {
      await proxy.close();
    }
  });

  it("explains bad usage (exit 2) and unknown runs (exit 4)", async () => {
    const usage = await cli("frobnicate").done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown command "frobnicate"');
    const badNumber = await cli("start", "--step-delay", "soon").done;
    expect(badNumber.code).toBe(2);
    const unknown = await cli("watch", "00000000-0000-4000-8000-000000000000").done;
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("NOT_FOUND");
    const invalid = await cli("start", "--step-delay", "999999").done;
    expect(invalid.code).toBe(4);
    // One short line per refused field, not the validator's JSON.
    expect(invalid.stderr).toMatch(/BAD_REQUEST: invalid input\n {2}stepDelayMs: .+\n$/);
    const noToken = await runTs("src/cli/runs.ts", ["--url", api().server.url, "list"], { LIVE_RUNS_TOKEN: "" }).done;
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toContain("UNAUTHORIZED");
  });
});

// Each call starts a process (seconds each on a busy machine).
describe("the runs CLI's --help and --json", { timeout: 240_000 }, () => {
  it("answers --help for the program and every command, on stdout, exit 0, without a server", async () => {
    const offline = (...args: string[]) => runTs("src/cli/runs.ts", ["--url", "http://127.0.0.1:1", ...args]).done;
    const overview = await offline("--help");
    expect([overview.code, overview.stderr]).toEqual([0, ""]);
    expect(overview.stdout).toContain("usage: runs <command>");
    expect(overview.stdout).toContain("Exit codes:");
    for (const command of ["start", "watch", "get", "cancel", "list", "plans"]) {
      for (const args of [
        [command, "--help"],
        ["help", command],
      ]) {
        const answer = await offline(...args);
        expect([answer.code, answer.stderr], args.join(" ")).toEqual([0, ""]);
        expect(answer.stdout, args.join(" ")).toMatch(new RegExp(`^usage: runs ${command}\\b`));
      }
    }
    const foreign = await offline("get", "00000000-0000-4000-8000-000000000000", "--limit", "3");
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("get does not take --limit");
  });

  it("prints one JSON document for start, get, list, plans, cancel and watch", async () => {
    const json = async (...args: string[]): Promise<unknown> => {
      const { code, stdout, stderr } = await cli(...args, "--json").done;
      expect([code, stderr], args.join(" ")).toEqual([expect.any(Number), ""]);
      return JSON.parse(stdout);
    };
    const started = (await json("start", "--step-delay", "60000", "--app-path", "apps/json")) as Run;
    expect(started).toMatchObject({ plan: "canonical", appPath: "apps/json", stepDelayMs: 60_000 });
    expect(started.id).toMatch(/^[0-9a-f-]{36}$/);

    expect(await json("get", started.id)).toMatchObject({ id: started.id, appPath: "apps/json" });

    const page = (await json("list", "--limit", "1")) as { items: Run[]; nextCursor: string | null };
    expect(page.items.map((run) => run.id)).toEqual([started.id]);
    expect(typeof page.nextCursor === "string" || page.nextCursor === null).toBe(true);

    const plans = (await json("plans")) as { name: string; steps: string[]; input: object }[];
    expect(plans.find((plan) => plan.name === "word-count")).toMatchObject({ steps: ["Split", "Count", "Summarise"] });

    expect(await json("cancel", started.id)).toMatchObject({ id: started.id, status: "cancelled" });

    // With --watch, nothing until the run finishes, then the finished run; the exit code is watch's.
    const watched = await cli("start", "--plan", "word-count", "--input", '{"text":"a b a"}', "--watch", "--json").done;
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ status: "succeeded", output: { words: 3, distinct: 2 } });
    const cancelledWatch = await cli("watch", started.id, "--json").done;
    expect(cancelledWatch.code).toBe(3);
    expect(JSON.parse(cancelledWatch.stdout)).toMatchObject({ id: started.id, status: "cancelled" });

    // Errors stay on stderr: stdout is empty.
    const unknown = await cli("get", "00000000-0000-4000-8000-000000000000", "--json").done;
    expect([unknown.code, unknown.stdout]).toEqual([4, ""]);
    expect(unknown.stderr).toContain("NOT_FOUND");
  });
});

describe("the example program", () => {
  it("starts a run against a live server and prints its events", async () => {
    const { code, stdout } = await runTs("examples/start-and-watch.ts", [api().server.url, "0"], {
      LIVE_RUNS_TOKEN: token,
    }).done;
    expect(code).toBe(0);
    const runId = /started run (\S+)/.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    expect(stdout).toContain(`run ${runId} succeeded`);
    const { trpc } = api().client();
    expect(await awaitStreamCompletion(subscribeEvents(trpc, { runId: runId! }))).toHaveLength(13);
  });
});
