import styles from "./run-output.module.css";

/** What a succeeded run's plan computed (`run.output`), as JSON; nothing for an empty output. */
export function RunOutput({ output }: { output: Record<string, unknown> }) {
  if (Object.keys(output).length === 0) return null;
  return (
    <section className={`card ${styles.output}`} aria-labelledby="output-heading">
      <h2 id="output-heading" className="card-title">
        Output
      </h2>
      <pre className={styles.json}>{JSON.stringify(output, null, 2)}</pre>
    </section>
  );
}
