import { PAGE_OPENINGS_KEY, type PageOpenings, type RunPageOpening } from "../../../../shared/run-page-opening";

/**
 * What the run's page opens with, read as the visitor by the server rendering it (see
 * shared/run-page-opening.ts); null when this server gives no reader or the read failed, and the
 * browser then reads it over the API as before.
 */
export async function readRunPageOpening(runId: string, focusSeq: number | null): Promise<RunPageOpening | null> {
  const openings = (globalThis as { [PAGE_OPENINGS_KEY]?: PageOpenings })[PAGE_OPENINGS_KEY];
  const read = openings?.current();
  return read ? read(runId, focusSeq) : null;
}
