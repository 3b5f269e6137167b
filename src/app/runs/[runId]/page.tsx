import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RUN_SEQ_MAX } from "../../../shared/api";
import { RunView } from "./_components/run-view";
import { readRunPageOpening } from "./_lib/read-opening";

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface RunPageProps {
  params: Promise<{ runId: string }>;
  searchParams: Promise<{ seq?: string | string[] }>;
}

/** `?seq=N` opens the timeline around event N; anything else is ignored. */
function seqParam(value: string | string[] | undefined): number | null {
  if (typeof value !== "string" || !/^\d{1,10}$/.test(value)) return null;
  const seq = Number(value);
  return seq >= 1 && seq <= RUN_SEQ_MAX ? seq : null;
}

export async function generateMetadata({ params }: RunPageProps): Promise<Metadata> {
  const { runId } = await params;
  return { title: `Run ${runId.slice(0, 8)} · Live runs` };
}

export default async function RunPage({ params, searchParams }: RunPageProps) {
  const { runId } = await params;
  const focusSeq = seqParam((await searchParams).seq);
  // Not a run id at all: answer 404 here rather than asking the API.
  if (!uuidShape.test(runId)) notFound();
  // Read as the page renders, so its HTML shows the run and its newest events before any script runs.
  const opening = await readRunPageOpening(runId, focusSeq);
  return (
    <main className="page">
      <RunView key={`${runId}:${focusSeq ?? ""}`} runId={runId} focusSeq={focusSeq} opening={opening} />
    </main>
  );
}
