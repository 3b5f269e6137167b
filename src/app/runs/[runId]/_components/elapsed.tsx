import { formatDuration } from "../../../_lib/format";
import { useNow } from "../../../_lib/use-now";

/** How long the run has been going (ticking), or took once finished. */
export function Elapsed({ startedAt, finishedAt }: { startedAt: number | null; finishedAt: number | null }) {
  const now = useNow(startedAt !== null && finishedAt === null);
  if (startedAt === null) return <span className="muted">Not started</span>;
  if (finishedAt !== null) return <>{formatDuration(finishedAt - startedAt)}</>;
  return now === null ? null : <>{formatDuration(now - startedAt)}</>;
}
