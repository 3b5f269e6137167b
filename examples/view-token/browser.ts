// The page's script: gets a view token from this app's backend, then talks to the live runs server
// directly (another origin) with it, through the client package: Bearer over HTTP,
// connectionParams.token on the browser's own WebSocket. Bundled by app.ts with esbuild.
import { createRunsClient } from "@live-runs/client";
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

async function main() {
  const grant = await viewGrant();
  document.querySelector("#run")!.textContent = grant.runId;
  const client = createRunsClient({ url: grant.runsUrl, token: grant.token });
  const run = await client.trpc.run.get.query({ runId: grant.runId });
  show(`${run.status}; view token valid until ${new Date(grant.expiresAt).toLocaleTimeString()}`);
  try {
    // Resumes across dropped connections; ends after RunFinished. At the token's expiry (or its
    // revocation) the server ends the stream with UNAUTHORIZED and the loop throws.
    for await (const event of client.subscribeToRun(grant.runId)) {
      const item = document.createElement("li");
      item.dataset.seq = String(event.seq);
      item.dataset.type = event.type;
      const detail = event.name ?? event.fn ?? [event.status, event.reason].filter(Boolean).join(" ");
      item.textContent = `${event.seq} ${event.type} ${detail}`;
      list.append(item);
    }
    show("finished");
  } catch (error) {
    show(`ended: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => show(`failed: ${String(error)}`));
