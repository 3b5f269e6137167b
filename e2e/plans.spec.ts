import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { outcome, renderedEvents, stepsProgress, timeline } from "./support/run-page";
import { saveScreenshot } from "./support/screenshots";

const planPicker = (page: Page) => page.getByLabel("Plan", { exact: true });
// The form's own alert (Next.js has a route announcer with the same role).
const formAlert = (page: Page) => page.getByRole("form", { name: "Start a run" }).getByRole("alert");

test("a word-count run started from the form built from its input schema succeeds and shows its output", async ({
  page,
}) => {
  await page.goto("/");
  await expect(planPicker(page)).toHaveValue("canonical");
  await expect(planPicker(page)).toBeEnabled();
  await planPicker(page).selectOption({ label: "Word count" });
  await expect(page.getByText("3 steps: Split → Count → Summarise")).toBeVisible();
  await expect(page.getByLabel("App path")).toHaveCount(0);

  // The schema's string of at most 10,000 characters, required: a textarea with those constraints.
  const text = page.getByRole("textbox", { name: "Text" });
  await expect(text).toHaveAttribute("maxlength", "10000");
  await expect(text).toHaveAttribute("required", "");
  await text.fill("the cat saw the other cat");
  await saveScreenshot(page, "start-form-word-count");
  await page.getByRole("button", { name: "Start run" }).click();

  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Word count");
  await expect(outcome(page)).toContainText("Run succeeded");
  // Steps and progress are the plan's, from run.plans.
  await expect(stepsProgress(page)).toHaveAttribute("aria-valuemax", "3");
  await expect(page.getByText("3 of 3 steps done").first()).toBeVisible();
  expect(await renderedEvents(page)).toEqual([
    "RunStarted",
    "NodeStarted Split",
    "NodeFinished Split",
    "NodeStarted Count",
    "DebugTrace count.done",
    "NodeFinished Count",
    "NodeStarted Summarise",
    "NodeFinished Summarise",
    "RunFinished succeeded",
  ]);

  const output = page.getByRole("region", { name: "Output" });
  await expect(output).toContainText('"words": 6');
  await expect(output).toContainText('"distinct": 4');
  await expect(output).toContainText('"word": "cat"');

  // A trace's data, collapsed to one line until opened.
  const trace = timeline(page).locator('[data-type="DebugTrace"]');
  await expect(trace.locator("summary")).toHaveText('data {"distinct":4}');
  const full = trace.locator("pre");
  await expect(full).toBeHidden();
  await trace.locator("summary").click();
  await expect(full).toBeVisible();
  await expect(full).toContainText('"distinct": 4');
  await saveScreenshot(page, "run-word-count-succeeded");
});

test("input the API refuses shows its issues next to the field, and starts nothing", async ({ page, api }) => {
  await page.goto("/");
  const before = (await api.run.list.query({ limit: 100 })).items.length;

  // The canonical plan: an app path with a control character passes the browser, not the API.
  await page.getByLabel("App path").fill("/apps/\u0007bell");
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(formAlert(page)).toContainText("Could not start the run");
  const appPath = page.getByLabel("App path");
  await expect(appPath).toHaveAttribute("aria-invalid", "true");
  await expect(appPath).toHaveAccessibleDescription(/must not contain control characters/);

  // A plan's form: a text longer than its schema allows (set by script, so maxlength does not stop it).
  await planPicker(page).selectOption("word-count");
  await expect(formAlert(page)).toHaveCount(0);
  const text = page.getByRole("textbox", { name: "Text" });
  await text.evaluate((area: HTMLTextAreaElement) => (area.value = "x".repeat(10_001)));
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(formAlert(page)).toContainText("Could not start the run");
  await expect(text).toHaveAttribute("aria-invalid", "true");
  await expect(text).toHaveAccessibleDescription(/10000/);
  await saveScreenshot(page, "start-form-refused");

  await expect(page).toHaveURL(/\/$/);
  expect((await api.run.list.query({ limit: 100 })).items).toHaveLength(before);
});
