// API tokens for programs, managed directly in the database the server uses (DATABASE_URL, or the
// embedded PGlite directory, which one process at a time may open: while a server holds it, this
// command refuses and says so).
//   npm run tokens -- <command> [options]      (see `npm run tokens -- help`)
import { databaseOptionsFromEnv, openDatabase } from "../db/client";
import { describeDatabaseError, EXIT_DATABASE_BUSY } from "../db/command-errors";
import { applyMigrations } from "../db/migrate";
import { parseEnv } from "../env";
import { createApiToken, listApiTokens, revokeApiToken, type ApiToken } from "../server/auth/api-tokens";
import { parseCommandLine, UsageError, type CommandSpec } from "./command-line";

const EXIT = { done: 0, usage: 2, error: 4, databaseBusy: EXIT_DATABASE_BUSY } as const;

const COMMANDS: Record<string, CommandSpec> = {
  create: {
    synopsis: "create --owner OWNER [--label LABEL] [--json]",
    help: `Creates an API token for OWNER (calls made with it act as that owner) and prints its secret,
once: only its hash is stored. --json: {"id", "ownerId", "label", "createdAt", "secret"}.`,
    options: ["owner", "label"],
    positionals: 0,
  },
  list: {
    synopsis: "list [--owner OWNER] [--json]",
    help: `Lists the tokens (of OWNER): id, owner, active or when revoked, label; never a secret.
--json: [{"id", "ownerId", "label", "createdAt", "revokedAt"}].`,
    options: ["owner"],
    positionals: 0,
  },
  revoke: {
    synopsis: "revoke TOKEN_ID [--json]",
    help: `Revokes a token: calls with it answer UNAUTHORIZED, on open WebSockets too, within 3 s.
Exit 4 when there is no such active token. --json: {"id", "revoked": true}.`,
    options: [],
    positionals: 1,
  },
};

const USAGE = `usage: tokens <command> [options]        (npm run tokens -- <command> [options])
  create --owner OWNER [--label LABEL]   create a token for OWNER; prints its secret once
  list [--owner OWNER]                   the tokens and whether they are active
  revoke TOKEN_ID                        revoke a token
  help [COMMAND]                         this, or a command's own help (or COMMAND --help)
Every command takes --json: one JSON document on stdout instead of text.
It opens the server's database itself: DATABASE_URL, else the embedded PGlite directory
(PGLITE_DATA_DIR, default .data/pglite), which a running server holds: stop it first.
Exit codes: 0 done, 2 bad usage, 4 error (no such token, database unreachable, bad setting),
  5 the embedded database is in use by a running server.`;

const OPTIONS = {
  json: { type: "boolean", common: true },
  owner: { type: "string" },
  label: { type: "string" },
} as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));
const UUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("tokens", argv, COMMANDS, OPTIONS, USAGE);
  if (parsed.kind === "help") {
    out(parsed.text);
    return EXIT.done;
  }
  const { command, args, values } = parsed;
  const usage = `usage: tokens ${COMMANDS[command]!.synopsis}`;
  const json = values.json === true;
  const owner = values.owner as string | undefined;
  const tokenId = args[0];
  if (command === "create" && !owner) throw new UsageError("create needs --owner", usage);
  if (command === "revoke" && !UUID.test(tokenId ?? "")) {
    throw new UsageError("revoke needs a token id (as printed by create or list)", usage);
  }

  const database = openDatabase(databaseOptionsFromEnv(parseEnv(process.env), "tokens"));
  try {
    await applyMigrations(database);
    if (command === "create") {
      const { token, secret } = await createApiToken(database.db, owner!, (values.label as string | undefined) ?? "");
      if (json) {
        printJson({ ...token, secret });
      } else {
        out(`token ${token.id} for owner ${token.ownerId}`);
        out(`secret (shown once; send it as "Authorization: Bearer <secret>"):`);
        out(secret);
      }
    } else if (command === "list") {
      const tokens = await listApiTokens(database.db, owner);
      if (json) printJson(tokens);
      else for (const token of tokens) out(formatToken(token));
    } else if (!(await revokeApiToken(database.db, tokenId!))) {
      process.stderr.write(`tokens: no active token ${tokenId}\n`);
      return EXIT.error;
    } else if (json) {
      printJson({ id: tokenId, revoked: true });
    } else {
      out(`revoked ${tokenId}`);
    }
    return EXIT.done;
  } finally {
    await database.close();
  }
}

function formatToken(token: ApiToken): string {
  const state = token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : "active";
  return `${token.id}  ${token.ownerId}  ${state}  ${token.label}`;
}

const exit = (code: number) => process.stdout.write("", () => process.exit(code));

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${error.usage}\n`);
    exit(EXIT.usage);
    return;
  }
  const { message, busy } = describeDatabaseError(error, "stop it first (Ctrl-C where it runs)");
  process.stderr.write(`tokens: ${message}\n`);
  exit(busy ? EXIT.databaseBusy : EXIT.error);
});
