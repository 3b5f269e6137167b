"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../../_trpc/react";

export function CancelButton({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.run.cancel.mutationOptions({
      onSuccess: (run) => queryClient.setQueryData(trpc.run.get.queryKey({ runId }), run),
    }),
  );
  return (
    <>
      <button
        type="button"
        className="btn btn-danger"
        onClick={() => cancel.mutate({ runId })}
        disabled={cancel.isPending}
      >
        {cancel.isPending ? "Cancelling…" : "Cancel run"}
      </button>
      {cancel.error ? <span role="alert">Could not cancel: {cancel.error.message}</span> : null}
    </>
  );
}
