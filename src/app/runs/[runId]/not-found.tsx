import { Notice } from "../../_components/notice";
import Link from "next/link";

export default function RunIdNotFound() {
  return (
    <main className="page">
      <Notice
        title="Run not found"
        action={
          <Link href="/" className="btn">
            Back to all runs
          </Link>
        }
      >
        That link does not point to a run. Pick a run from the list.
      </Notice>
    </main>
  );
}
