import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTs } from "./support/run-command";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer, type TestServer } from "./support/test-server";

// The command opens the server's database from a second process: Postgres only.
describe.runIf(Boolean(process.env.TEST_DATABASE_URL))("the tokens command", () => {
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
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("usage: tokens create")]);
    const unknown = await tokens("list", "--bogus");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    expect(unknown.stderr).not.toContain("    at ");
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
