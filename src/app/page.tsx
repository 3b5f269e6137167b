import { CANONICAL_STEPS } from "../shared/canonical-plan";
import { RunList } from "./_runs/run-list";
import { StartRunForm } from "./_runs/start-run-form";

export default function RunsPage() {
  return (
    <main className="page">
      <div>
        <h1>Runs</h1>
        <p className="muted">Start an agent run against an app and watch its timeline unfold live.</p>
      </div>
      <section className="card" aria-labelledby="start-run-heading">
        <h2 id="start-run-heading" className="card-title">
          Start a run
        </h2>
        <p className="muted">
          Each of the {CANONICAL_STEPS.length} steps waits the step delay, so a run is easy to follow.
        </p>
        <StartRunForm />
      </section>
      <RunList />
    </main>
  );
}
