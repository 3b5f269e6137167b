"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { RUN_START_DEFAULTS, RUN_START_LIMITS } from "../../shared/api";
import { useTRPC } from "../_trpc/react";
import styles from "./start-run-form.module.css";

/** What the form offers to crawl: an example app, where the API itself defaults to "/". */
const SUGGESTED_APP_PATH = "/apps/demo";

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
        <input
          name="appPath"
          defaultValue={SUGGESTED_APP_PATH}
          required
          maxLength={RUN_START_LIMITS.appPathMaxLength}
          autoComplete="off"
        />
      </label>
      <label className="field">
        Step delay (ms)
        <input
          name="stepDelayMs"
          type="number"
          defaultValue={RUN_START_DEFAULTS.stepDelayMs}
          min={0}
          max={RUN_START_LIMITS.stepDelayMsMax}
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
