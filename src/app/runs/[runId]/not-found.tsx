import { RunNotFound } from "./_components/run-not-found";

export default function RunIdNotFound() {
  return (
    <main className="page">
      <RunNotFound />
    </main>
  );
}
