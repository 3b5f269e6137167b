// API tokens for programs, managed directly in the database the server uses (DATABASE_URL, or the
// PGlite directory; embedded PGlite is single-process, so stop the dev server first).
//   npm run tokens -- create --owner <owner> [--label L]   prints the secret once
//   npm run tokens -- list [--owner <owner>]
//   npm run tokens -- revoke <tokenId>
import { parseArgs } from "node:util";
import { databaseOptionsFromEnv, openDatabase } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { parseEnv } from "../env";
import { createApiToken, listApiTokens, revokeApiToken } from "../server/auth/api-tokens";

const USAGE = `usage: tokens create --owner OWNER [--label LABEL] | tokens list [--owner OWNER] | tokens revoke TOKEN_ID`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string, code: number): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};

function parseTokenArgs() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        owner: { type: "string" },
        label: { type: "string", default: "" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // An unknown option or a missing value: say which and how to call it, without a stack.
    return fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

const { values, positionals } = parseTokenArgs();
if (values.help) {
  out(USAGE);
  process.exit(0);
}
const [command, tokenId] = positionals;

if (command === "create" && !values.owner) fail(`create needs --owner\n${USAGE}`, 2);
if (command === "revoke" && !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(tokenId ?? "")) {
  fail(`revoke needs a token id (as printed by create or list)\n${USAGE}`, 2);
}
if (!["create", "list", "revoke"].includes(command ?? "")) fail(USAGE, 2);

const database = openDatabase(databaseOptionsFromEnv(parseEnv(process.env)));
try {
  await applyMigrations(database);
  if (command === "create") {
    const { token, secret } = await createApiToken(database.db, values.owner!, values.label);
    out(`token ${token.id} for owner ${token.ownerId}`);
    out(`secret (shown once; send it as "Authorization: Bearer <secret>"):`);
    out(secret);
  } else if (command === "list") {
    for (const token of await listApiTokens(database.db, values.owner)) {
      const state = token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : "active";
      out(`${token.id}  ${token.ownerId}  ${state}  ${token.label}`);
    }
  } else if (!(await revokeApiToken(database.db, tokenId!))) {
    fail(`no active token ${tokenId}`, 4);
  } else {
    out(`revoked ${tokenId}`);
  }
} finally {
  await database.close();
}
