import type { ReactNode } from "react";
import { SiteHeader } from "./_components/site-header";
import { Providers } from "./providers";
import "./globals.css";
import "./status-tones.css";

export const metadata = { title: "Live runs", description: "Start agent runs and watch their timeline live." };

export const viewport = { width: "device-width", initialScale: 1 };

// Rendered per request so Next.js can put each response's CSP nonce on its inline scripts (the
// custom server sets the policy); a prerendered page would carry none and its scripts would be blocked.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SiteHeader />
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
