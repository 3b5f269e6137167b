"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { useTRPC } from "../_trpc/react";
import styles from "./start-run-form.module.css";

const DEFAULT_APP_PATH = "/apps/demo";
const DEFAULT_STEP_DELAY_MS = 500;

const textOf = (value: FormDataEntryValue | null): string => (typeof value === "string" ? value : "");

/** Starts a run and takes the user to its timeline. */
export function StartRunForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const start = useMutation(
    trpc.run.start.mutationOptions({
      onSuccess: (run) => {
        void queryClient.invalidateQueries({ queryKey: trpc.run.list.pathKey() });
        router.push(`/runs/${run.id}`);
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    start.mutate({ appPath: textOf(form.get("appPath")), stepDelayMs: Number(textOf(form.get("stepDelayMs"))) });
  }

  // Stays disabled after success too: the page is navigating to the new run.
  const busy = start.isPending || start.isSuccess;
  return (
    <form className={styles.form} onSubmit={onSubmit} aria-label="Start a run">
      <label className="field">
        App path
        <input name="appPath" defaultValue={DEFAULT_APP_PATH} required maxLength={512} autoComplete="off" />
      </label>
      <label className="field">
        Step delay (ms)
        <input
          name="stepDelayMs"
          type="number"
          defaultValue={DEFAULT_STEP_DELAY_MS}
          min={0}
          max={60_000}
          step={1}
          required
        />
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Starting…" : "Start run"}
      </button>
      {start.error ? (
        <p role="alert" className={styles.error}>
          Could not start the run: {start.error.message}
        </p>
      ) : null}
    </form>
  );
}
