// The page's script: gets a view token from this app's backend, then talks to the live runs server
// directly (another origin) with it: Bearer over HTTP, connectionParams.token on the WebSocket.
// Bundled by server.ts with esbuild; only the router's type comes from the server.
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from "@trpc/client";
import type { AppRouter } from "../../src/server/routers/_app";

interface Grant {
  runsUrl: string;
  runId: string;
  token: string;
  expiresAt: string;
}

const list = document.querySelector<HTMLOListElement>("#events")!;
const status = document.querySelector<HTMLElement>("#status")!;
const show = (text: string) => (status.textContent = text);

async function viewGrant(): Promise<Grant> {
  const runId = new URLSearchParams(location.search).get("runId");
  const response = await fetch("/api/view-token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(runId ? { runId } : {}),
  });
  if (!response.ok) throw new Error(`the backend answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Grant;
}

function connect({ runsUrl, token }: Grant) {
  const api = new URL("/api/trpc", runsUrl);
  const ws = createWSClient({ url: api.href.replace(/^http/, "ws"), connectionParams: { token } });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: wsLink({ client: ws }),
        false: httpBatchLink({ url: api.href, headers: { authorization: `Bearer ${token}` } }),
      }),
    ],
  });
  return { trpc, close: () => ws.close() };
}

async function main() {
  const grant = await viewGrant();
  document.querySelector("#run")!.textContent = grant.runId;
  const { trpc, close } = connect(grant);
  const run = await trpc.run.get.query({ runId: grant.runId });
  show(`${run.status}; view token valid until ${new Date(grant.expiresAt).toLocaleTimeString()}`);
  trpc.run.events.subscribe(
    { runId: grant.runId },
    {
      onData: ({ data: event }) => {
        const item = document.createElement("li");
        item.dataset.seq = String(event.seq);
        item.dataset.type = event.type;
        const detail = event.name ?? event.fn ?? [event.status, event.reason].filter(Boolean).join(" ");
        item.textContent = `${event.seq} ${event.type} ${detail}`;
        list.append(item);
      },
      onComplete: () => {
        show("finished");
        void close();
      },
      // At the token's expiry (or its revocation) the server ends the stream with UNAUTHORIZED.
      onError: (error) => show(`ended: ${error.message}`),
    },
  );
}

main().catch((error: unknown) => show(`failed: ${String(error)}`));
