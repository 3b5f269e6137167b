import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunView } from "./_components/run-view";

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface RunPageProps {
  params: Promise<{ runId: string }>;
}

export async function generateMetadata({ params }: RunPageProps): Promise<Metadata> {
  const { runId } = await params;
  return { title: `Run ${runId.slice(0, 8)} · Live runs` };
}

export default async function RunPage({ params }: RunPageProps) {
  const { runId } = await params;
  // Not a run id at all: answer 404 here rather than asking the API.
  if (!uuidShape.test(runId)) notFound();
  return (
    <main className="page">
      <RunView key={runId} runId={runId} />
    </main>
  );
}
