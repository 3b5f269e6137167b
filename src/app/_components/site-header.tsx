import Link from "next/link";
import styles from "./site-header.module.css";

export function SiteHeader() {
  return (
    <header className={styles.header}>
      <div className={styles.inner}>
        <Link href="/" className={styles.brand}>
          <span className={styles.logo} aria-hidden="true" />
          Live runs
        </Link>
        <nav aria-label="Main">
          <Link href="/" className={styles.navLink}>
            Runs
          </Link>
        </nav>
      </div>
    </header>
  );
}
