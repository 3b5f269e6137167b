import type { ReactNode } from "react";
import { SiteHeader } from "./_components/site-header";
import { Providers } from "./providers";
import "./globals.css";
import "./status-tones.css";

export const metadata = { title: "Live runs", description: "Start agent runs and watch their timeline live." };

export const viewport = { width: "device-width", initialScale: 1 };

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
