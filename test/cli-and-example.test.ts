import { beforeAll, describe, expect, it } from "vitest";
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

describe("the runs CLI", () => {
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
