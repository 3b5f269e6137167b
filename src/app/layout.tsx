import type { ReactNode } from "react";

export const metadata = { title: "Live runs", description: "Start agent runs and watch their timeline live." };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
