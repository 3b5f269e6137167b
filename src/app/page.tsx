import { RunList } from "./_runs/run-list";
import { StartRunForm } from "./_runs/start-run-form";

export default function RunsPage() {
  return (
    <main className="page">
      <div>
        <h1>Runs</h1>
        <p className="muted">Start an agent run and watch its timeline unfold live.</p>
      </div>
      <section className="card" aria-labelledby="start-run-heading">
        <h2 id="start-run-heading" className="card-title">
          Start a run
        </h2>
        <StartRunForm />
      </section>
      <RunList />
    </main>
  );
}
