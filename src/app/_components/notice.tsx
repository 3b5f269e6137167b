import type { ReactNode } from "react";
import styles from "./notice.module.css";

interface NoticeProps {
  title: string;
  children?: ReactNode;
  /** "error" is announced to assistive technology as an alert. */
  tone?: "neutral" | "error";
  action?: ReactNode;
}

/** The empty, error and not-found states: a title, a sentence, and what the user can do next. */
export function Notice({ title, children, tone = "neutral", action }: NoticeProps) {
  return (
    <div className={styles.notice} data-tone={tone} role={tone === "error" ? "alert" : undefined}>
      <h2 className={styles.title}>{title}</h2>
      {children ? <div className={styles.body}>{children}</div> : null}
      {action ? <div className={styles.action}>{action}</div> : null}
    </div>
  );
}

interface RetryNoticeProps {
  /** What could not be loaded, e.g. "Couldn't load runs". */
  title: string;
  message: string;
  onRetry: () => void;
}

/** A load that failed: what failed, the error, and a button to try again. */
export function RetryNotice({ title, message, onRetry }: RetryNoticeProps) {
  return (
    <Notice
      tone="error"
      title={title}
      action={
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      }
    >
      {message}
    </Notice>
  );
}
