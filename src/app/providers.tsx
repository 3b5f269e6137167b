"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { createAppTRPCClient } from "./_trpc/client";
import { shouldRetryQuery } from "./_trpc/errors";
import { TRPCProvider } from "./_trpc/react";

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Live views are kept fresh by subscriptions; refetches are only a backstop.
      queries: { staleTime: 5_000, retry: shouldRetryQuery },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createAppTRPCClient);
  // A server-rendered page looks ready before its scripts run: tests and benches wait for this mark.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "";
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
