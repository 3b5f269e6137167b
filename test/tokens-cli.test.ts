import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTs } from "./support/run-command";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer, type TestServer } from "./support/test-server";

// The command opens the server's database from a second process: Postgres only.
// Each call starts a process (seconds each on a busy machine).
describe.runIf(Boolean(process.env.TEST_DATABASE_URL))("the tokens command", { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let api: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestServer(database);
  });
  afterAll(async () => {
    await api.close();
    await database.drop();
  });
  const tokens = (...args: string[]) => runTs("src/cli/tokens.ts", args, { DATABASE_URL: database.url! }).done;

  it("creates a token that works, lists it, and revokes it so it stops working", async () => {
    const created = await tokens("create", "--owner", "zoe", "--label", "laptop");
    expect(created.code).toBe(0);
    const [first, notice, secret] = created.stdout.split("\n");
    const tokenId = /^token (\S+) for owner zoe$/.exec(first!)?.[1];
    expect(tokenId).toBeDefined();
    expect(notice).toContain("shown once");
    expect(secret).toMatch(/^lrt_/);

    const { trpc } = api.client({ token: secret! });
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    expect((await trpc.run.list.query()).items.map((r) => r.id)).toEqual([run.id]);

    const listed = await tokens("list", "--owner", "zoe");
    expect(listed.stdout).toMatch(new RegExp(`${tokenId}\\s+zoe\\s+active\\s+laptop`));
    // Only the hash is stored: the secret appears nowhere in the listing.
    expect(listed.stdout).not.toContain(secret);

    expect(await tokens("revoke", tokenId!)).toMatchObject({ code: 0, stdout: `revoked ${tokenId}\n` });
    const error = await trpc.run.list.query().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await tokens("list", "--owner", "zoe")).stdout).toContain("revoked");
    expect((await tokens("revoke", tokenId!)).code).toBe(4);
  });

  it("explains bad usage", async () => {
    expect((await tokens("create")).code).toBe(2);
    expect((await tokens("revoke", "not-an-id")).code).toBe(2);
    expect((await tokens("frobnicate")).stderr).toContain("usage");
    // --help answers; an unknown option is a usage error, not a stack trace.
    const help = await tokens("--help");
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("usage: tokens <command>")]);
    expect(help.stdout).toContain("Exit codes:");
    for (const [args, usage] of [
      [["create", "--help"], "usage: tokens create --owner OWNER"],
      [["list", "-h"], "usage: tokens list [--owner OWNER]"],
      [["revoke", "--help"], "usage: tokens revoke TOKEN_ID"],
      [["help", "revoke"], "usage: tokens revoke TOKEN_ID"],
    ] as const) {
      const answer = await tokens(...args);
      expect([answer.code, answer.stdout, answer.stderr], args.join(" ")).toEqual([
        0,
        expect.stringContaining(usage),
        "",
      ]);
    }
    const foreign = await tokens("revoke", "--owner", "zoe");
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("revoke does not take --owner");
    const unknown = await tokens("list", "--bogus");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    expect(unknown.stderr).not.toContain("    at ");
  });

  it("prints one JSON document with --json", async () => {
    const created = await tokens("create", "--owner", "json-owner", "--label", "ci", "--json");
    expect(created.code).toBe(0);
    interface TokenJson {
      id: string;
      ownerId: string;
      label: string;
      createdAt: string;
      revokedAt: string | null;
      secret?: string;
    }
    const { secret, ...token } = JSON.parse(created.stdout) as TokenJson;
    expect(secret).toMatch(/^lrt_/);
    expect(token.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(token).toMatchObject({ ownerId: "json-owner", label: "ci", revokedAt: null });
    expect(Date.parse(token.createdAt)).toBeGreaterThan(0);

    // The listing: the same token, without its secret.
    const listed = await tokens("list", "--owner", "json-owner", "--json");
    expect(JSON.parse(listed.stdout)).toEqual([token]);

    const revoked = await tokens("revoke", token.id, "--json");
    expect(JSON.parse(revoked.stdout)).toEqual({ id: token.id, revoked: true });
    const [after] = JSON.parse((await tokens("list", "--owner", "json-owner", "--json")).stdout) as TokenJson[];
    expect(Date.parse(after!.revokedAt!)).toBeGreaterThan(0);

    // Errors stay on stderr, one line, and stdout stays empty.
    const missing = await tokens("revoke", token.id, "--json");
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([4, "", `tokens: no active token ${token.id}\n`]);
  });

  it("says in one line when the database cannot be reached", async () => {
    const down = await runTs("src/cli/tokens.ts", ["list"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" })
      .done;
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/^tokens: cannot reach the database \(.*\); check DATABASE_URL\n$/);
    const badSetting = await runTs("src/cli/tokens.ts", ["list"], { DATABASE_URL: "mysql://x" }).done;
    expect(badSetting.code).toBe(4);
    expect(badSetting.stderr).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
    expect(badSetting.stderr).not.toContain("    at ");
  });

  it("db:migrate answers --help and refuses arguments without applying anything", async () => {
    const help = await runTs("src/db/migrate-cli.ts", ["--help"], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    }).done;
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("usage: db:migrate")]);
    const extra = await runTs("src/db/migrate-cli.ts", ["now"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" })
      .done;
    expect(extra.code).toBe(2);
  });
});
