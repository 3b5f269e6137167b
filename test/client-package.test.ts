// The client package as another app gets it: packed, installed from the tarball into a fresh
// project outside the repository (no access to its node_modules) with tRPC from the registry,
// type-checked under `nodenext` and `bundler` resolution, run against a live server, bundled for a
// browser. The first run fills npm's cache; later ones install from it (--prefer-offline).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestServer } from "./support/fixture";

const PACKAGE_DIR = fileURLToPath(new URL("../packages/client/", import.meta.url));
const CONSUMER_PROGRAM = fileURLToPath(new URL("client-package/consumer.ts", import.meta.url));
// The peers at the versions the package allows, the TypeScript the repository uses, Node's types.
const REGISTRY_PACKAGES = [
  "@trpc/client@11.22.1",
  "@trpc/server@11.22.1",
  "ws@8.23.0",
  "typescript@5.9.3",
  "@types/node@20.19.43",
];
const RUNTIME_PEERS = ["@trpc/client", "@trpc/server", "ws"];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`), with none of the npm settings of the command running vitest. */
function execute(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Outcome> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === "NODE_PATH") delete env[name];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed: still running after ${timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function succeed(command: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const outcome = await execute(command, args, cwd, timeoutMs);
  if (outcome.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${outcome.code}:\n${outcome.stdout}\n${outcome.stderr}`);
  }
  return outcome.stdout;
}

/** Files and bytes under a folder. */
async function footprint(folder: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

// Library declarations are not checked (`tsc --init`'s default): with that check on, tRPC's own
// declarations also want @types/ws, whatever client a program uses. The package's declarations are
// still what both programs are checked against: a type that degraded to `any` would let
// wrong.ts compile.
const strict = { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: true };
const PROGRAMS = ["src/main.ts", "src/wrong.ts"];
const TSCONFIGS = {
  // What `tsc --init` picks, with Node's types for the program's process.env and console.
  "tsconfig.nodenext.json": {
    compilerOptions: {
      ...strict,
      module: "nodenext",
      target: "es2022",
      types: ["node"],
      rootDir: "src",
      outDir: "dist",
    },
    include: PROGRAMS,
  },
  // What an app built by a bundler (Vite, Next.js) uses.
  "tsconfig.bundler.json": {
    compilerOptions: {
      ...strict,
      module: "esnext",
      moduleResolution: "bundler",
      target: "es2022",
      lib: ["es2022", "dom"],
      types: ["node"],
      noEmit: true,
    },
    include: PROGRAMS,
  },
};

// Each line a mistake the package's types must refuse: line numbers are what tsc must report.
const WRONG_PROGRAM = `import { createRunsClient } from "@live-runs/client";
const client = createRunsClient({ url: "http://127.0.0.1:3000" });
await client.trpc.run.start.mutate({ stepDelayMs: "fast" });
await client.trpc.run.start.mutate({ plan: "word-count", input: { text: 1 } });
await client.trpc.run.get.query({ id: "6f1c4f5e-3c55-4a8e-9d8e-2b7f1e0a9c41" });
createRunsClient({ url: "http://127.0.0.1:3000", connectTimeoutMs: "10s" });
for await (const event of client.subscribeToRun("x")) if (event.type === "RunFinished") console.log(event.name.length);
const started: string = (await client.trpc.run.start.mutate({})).startedAt;
await client.close();
`;
const WRONG_LINES = [3, 4, 5, 6, 7, 8];

const api = useTestServer();
let project = "";
let packed: { files: { path: string }[]; unpackedSize: number; size: number };

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "live-runs-consumer-"));
  const tarballs = join(project, "tarballs");
  await mkdir(tarballs);
  // npm pack builds the package first (its prepack script).
  const packOutput = await succeed("npm", ["pack", "--json", "--pack-destination", tarballs], PACKAGE_DIR, 120_000);
  [packed] = JSON.parse(packOutput.slice(packOutput.indexOf("["))) as [typeof packed & { filename: string }];
  const tarball = join(tarballs, (packed as typeof packed & { filename: string }).filename);

  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await succeed(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...REGISTRY_PACKAGES],
    project,
    120_000,
  );
  await mkdir(join(project, "src"));
  await copyFile(CONSUMER_PROGRAM, join(project, "src", "main.ts"));
  await writeFile(join(project, "src", "wrong.ts"), WRONG_PROGRAM);
  for (const [name, config] of Object.entries(TSCONFIGS)) await writeFile(join(project, name), JSON.stringify(config));
}, 240_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

const tsc = (config: string) =>
  execute(process.execPath, ["node_modules/typescript/bin/tsc", "-p", config, "--pretty", "false"], project, 60_000);

describe("the client package installed in another project", () => {
  it("is installed outside the repository, with nothing from its node_modules in reach", () => {
    for (let folder = dirname(project); folder !== dirname(folder); folder = dirname(folder)) {
      expect(existsSync(join(folder, "node_modules")), `${folder}/node_modules`).toBe(false);
    }
    expect(existsSync(join(project, "node_modules", "@live-runs", "client", "dist", "index.js"))).toBe(true);
  });

  it("ships its build only, depends on nothing and needs only tRPC (and ws in Node 20) beside it", async () => {
    expect(packed.files.map((file) => file.path).filter((path) => !/^dist\/[\w-]+\.(js|d\.ts)$/.test(path))).toEqual([
      "README.md",
      "package.json",
    ]);
    const installed = join(project, "node_modules", "@live-runs", "client");
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual({ "@trpc/client": "11.22.1", "@trpc/server": "11.22.1", ws: "^8.0.0" });

    // Its declarations reach nothing but their own files and tRPC's: no server, database or ORM types.
    for (const file of (await readdir(join(installed, "dist"))).filter((name) => name.endsWith(".d.ts"))) {
      const declarations = await readFile(join(installed, "dist", file), "utf8");
      const imported = [...declarations.matchAll(/from "([^"]+)"/g)].map((match) => match[1]!);
      expect(
        imported.filter((path) => !path.startsWith("./") && !path.startsWith("@trpc/")),
        file,
      ).toEqual([]);
    }

    // The whole tree: the package, its peers and the consumer's own tools, nothing else.
    const top = (await readdir(join(project, "node_modules"))).filter((name) => !name.startsWith("."));
    const scoped = await Promise.all(
      top.map(async (name) =>
        name.startsWith("@")
          ? (await readdir(join(project, "node_modules", name))).map((sub) => `${name}/${sub}`)
          : [name],
      ),
    );
    expect(scoped.flat().sort()).toEqual(
      ["@live-runs/client", ...RUNTIME_PEERS, "typescript", "@types/node", "undici-types"].sort(),
    );

    const own = await footprint(installed);
    const peers = await Promise.all(RUNTIME_PEERS.map((name) => footprint(join(project, "node_modules", name))));
    console.log(
      `@live-runs/client: tarball ${packed.size} B, installed ${own.files} files ${own.bytes} B; ` +
        `with its runtime peers (${RUNTIME_PEERS.join(", ")}): ` +
        `${own.files + peers.reduce((sum, peer) => sum + peer.files, 0)} files ` +
        `${own.bytes + peers.reduce((sum, peer) => sum + peer.bytes, 0)} B`,
    );
    expect(own.bytes).toBeLessThan(100_000);
  });

  it("type-checks a program under nodenext and bundler resolution (strict, exactOptionalPropertyTypes), refusing wrong inputs", async () => {
    for (const config of Object.keys(TSCONFIGS)) {
      // Type-checks (and for nodenext, emits) both programs: tsc exits 2 for wrong.ts's errors.
      const outcome = await tsc(config);
      const errors = [...outcome.stdout.matchAll(/^(src\/[\w.]+)\((\d+),\d+\): error TS\d+/gm)];
      expect(new Set(errors.map((error) => error[1])), `${config}:\n${outcome.stdout}${outcome.stderr}`).toEqual(
        new Set(["src/wrong.ts"]),
      );
      expect([...new Set(errors.map((error) => Number(error[2])))], `${config}:\n${outcome.stdout}`).toEqual(
        WRONG_LINES,
      );
      expect(outcome.code).toBe(2);
    }
  }, 120_000);

  it("runs against a live server: start, subscribe and resume, cancel, list; exits by itself", async () => {
    expect(existsSync(join(project, "dist", "main.js")), "compiled by the nodenext type check").toBe(true);
    const token = await api().tokenFor("package-consumer");
    await writeFile(join(project, ".env"), `LIVE_RUNS_URL=${api().server.url}\nLIVE_RUNS_TOKEN=${token}\n`);
    // Node 20 has no global WebSocket: the client loads ws. With the flag it has one, and uses it.
    for (const [flags, webSocket] of [
      [[], "ws"],
      [["--experimental-websocket"], "global"],
    ] as const) {
      const outcome = await execute(
        process.execPath,
        [...flags, "--env-file=.env", "dist/main.js"],
        project,
        // Generous: the runs take about a second; a process that does not exit by itself is killed.
        30_000,
      );
      expect(outcome.code, outcome.stderr).toBe(0);
      const seen = JSON.parse(outcome.stdout) as Record<string, unknown>;
      expect(seen).toEqual({
        webSocket,
        firstEvents: ["RunStarted", "NodeStarted:EnsureDevice", "DebugTrace:ensureDevice.check"],
        resumedEvents: [
          "NodeFinished:EnsureDevice",
          ...["Warmup", "OpenApp", "Ping", "Teardown"].flatMap((name) => [
            `NodeStarted:${name}`,
            `NodeFinished:${name}`,
          ]),
          "RunFinished:succeeded",
        ],
        seqs: Array.from({ length: 13 }, (_, index) => index + 1),
        finished: "succeeded",
        cancelled: ["cancelled", true],
        listed: [true, true, true],
        wordCountOutput: {
          words: 3,
          distinct: 2,
          top: [
            { word: "a", count: 2 },
            { word: "b", count: 1 },
          ],
        },
        refusal: "BAD_REQUEST",
        plans: ["canonical", "word-count", "screens"],
      });
    }
  }, 90_000);

  it("bundles for a browser without ws", async () => {
    const entry = join(project, "src", "browser.ts");
    await writeFile(
      entry,
      `import { createRunsClient } from "@live-runs/client";
const client = createRunsClient({ url: location.origin });
for await (const event of client.subscribeToRun(new URLSearchParams(location.search).get("run") ?? "")) console.log(event.seq);
`,
    );
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: project,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const bundle = result.outputFiles[0]!.text;
    expect(bundle).toContain("could not connect within");
    // ws's own code (its handshake and compression) is not in it.
    expect(bundle).not.toContain("permessage-deflate");
    expect(bundle).not.toContain("Sec-WebSocket-Accept");
  });
});
