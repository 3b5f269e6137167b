import { expect, type Page } from "@playwright/test";

/** 1, 2, …, n */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, index) => index + 1);

export const timeline = (page: Page) => page.getByRole("list", { name: "Timeline" });
export const runStatus = (page: Page) => page.getByRole("status", { name: "Run status" });
export const connection = (page: Page) => page.getByRole("status", { name: "Connection" });
export const outcome = (page: Page) => page.getByRole("region", { name: "Outcome" });
export const cancelButton = (page: Page) => page.getByRole("button", { name: "Cancel run" });
export const stepsProgress = (page: Page) => page.getByRole("progressbar", { name: "Steps done" });

/** The seqs of the timeline's event rows, in page order. */
export function renderedSeqs(page: Page): Promise<number[]> {
  return timeline(page)
    .locator("[data-seq]")
    .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));
}

/** Waits until the timeline shows exactly these seqs, in this order. */
export async function expectTimeline(page: Page, seqs: number[]): Promise<void> {
  await expect.poll(() => renderedSeqs(page)).toEqual(seqs);
}

/** Waits until the event with this seq is on the page. */
export async function waitForSeq(page: Page, seq: number): Promise<void> {
  await expect(timeline(page).locator(`[data-seq="${seq}"]`)).toBeVisible();
}

/** The canonical plan's 13 events, as the timeline labels them: type and node or function. */
export const successfulRunEvents = [
  "RunStarted",
  "NodeStarted EnsureDevice",
  "DebugTrace ensureDevice.check",
  "NodeFinished EnsureDevice",
  ...["Warmup", "OpenApp", "Ping", "Teardown"].flatMap((name) => [`NodeStarted ${name}`, `NodeFinished ${name}`]),
  "RunFinished succeeded",
];

/** Each event row's type and detail, e.g. "NodeStarted Warmup". */
export function renderedEvents(page: Page): Promise<string[]> {
  return timeline(page)
    .locator("[data-seq]")
    .evaluateAll((rows) =>
      rows.map((row) => {
        const type = row.getAttribute("data-type") ?? "";
        const detail = row.children[2]?.textContent ?? "";
        return `${type} ${detail}`.trim();
      }),
    );
}
