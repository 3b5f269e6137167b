import styles from "./run-loading.module.css";

/** Placeholders shaped like the header and timeline cards, so the page does not jump when the run arrives. */
export function RunLoading() {
  return (
    <>
      <section className="card" aria-busy="true" aria-label="Loading run">
        <div className={styles.stack}>
          <span className={`skeleton ${styles.title}`} />
          <span className={`skeleton ${styles.line}`} />
          <span className={`skeleton ${styles.meta}`} />
        </div>
      </section>
      <div className="card" aria-hidden="true">
        <div className={styles.stack}>
          {[0, 1, 2, 3, 4].map((row) => (
            <span key={row} className={`skeleton ${styles.row}`} />
          ))}
        </div>
      </div>
    </>
  );
}
