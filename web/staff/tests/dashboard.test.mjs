// The office dashboard in a real browser (Debian's chromium), against a live bot with the dashboard on.
// Run by tests/live/test_dashboard.py, which starts the server, creates the staff account and sets:
//   BASE_URL        the Rasa server (http://localhost:PORT: Chromium keeps Secure cookies on localhost)
//   STAFF_NAME, STAFF_PASSWORD   a staff account
//   EXPECTED        JSON: the chart tables as counted from the events table (row label -> number)
//   UNSURE_TEXT     a message the bot was unsure about, as the dashboard must show it (masked)
//   SCREENSHOT_DIR  where to save dashboard.png (laptop) and dashboard-360px.png (phone)
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { launchBrowser } from "../../tests/browser.mjs";

const BASE = process.env.BASE_URL;
const EXPECTED = JSON.parse(process.env.EXPECTED || "{}");
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || path.resolve("../tests/screenshots");
assert.ok(BASE && process.env.STAFF_NAME && process.env.STAFF_PASSWORD, "set BASE_URL, STAFF_NAME, STAFF_PASSWORD");

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Every Content-Security-Policy violation and script error on the page, collected.
async function openPage(width, height) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

async function signIn(page) {
  await page.goto(`${BASE}/staff/`);
  assert.match(page.url(), /\/staff\/login$/);
  await page.getByLabel("User name").fill(process.env.STAFF_NAME);
  await page.getByLabel("Password").fill(process.env.STAFF_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${BASE}/staff/`);
  await page.waitForFunction(() => {
    const figures = document.querySelectorAll("figure.chart");
    return figures.length > 0 && document.querySelectorAll("figure.chart[data-drawn]").length === figures.length;
  }, null, { timeout: 20000 });
}

// A chart table as {row label: first number} (the table is in the page for screen readers even while hidden).
async function readTable(page, id, column = 1) {
  return page.evaluate(([tableId, col]) => {
    const out = {};
    for (const row of document.getElementById(tableId).tBodies[0].rows) {
      out[row.cells[0].textContent.trim()] = Number(row.cells[col].getAttribute("data-value"));
    }
    return out;
  }, [id, column]);
}

function nonZero(table) {
  return Object.fromEntries(Object.entries(table).filter(([, value]) => value !== 0));
}

describe("the dashboard on a laptop", () => {
  let context, page, errors;
  before(async () => {
    ({ context, page, errors } = await openPage(1280, 900));
    await signIn(page);
  });
  after(async () => { await context.close(); });

  test("it shows the message the bot was unsure about, masked, with the bot's guesses", async () => {
    const item = page.locator(".unsure-item", { hasText: process.env.UNSURE_TEXT });
    await item.waitFor();
    assert.match(await item.locator(".unsure-guesses").textContent(), /Guesses: .+\(\d+%\)/);
    assert.equal(await page.getByText("530-555-0142").count(), 0);
  });

  test("every chart is drawn from its table, and the tables match the database", async () => {
    const canvases = await page.locator("figure.chart canvas").evaluateAll((nodes) => nodes.map((c) => c.width * c.height));
    assert.ok(canvases.length >= 5 && canvases.every((area) => area > 0), `canvas sizes ${canvases}`);
    assert.deepEqual(await readTable(page, "t-channels"), EXPECTED["t-channels"]);
    assert.deepEqual(nonZero(await readTable(page, "t-topics")), EXPECTED["t-topics"]);
    assert.deepEqual(nonZero(await readTable(page, "t-outcomes")), EXPECTED["t-outcomes"]);
    assert.deepEqual(nonZero(await readTable(page, "t-hours")), EXPECTED["t-hours"]);
    const days = nonZero(await readTable(page, "t-days", (await page.locator("#t-days thead th").count()) - 1));
    assert.deepEqual(days, EXPECTED["t-days"]);
    assert.equal(await page.locator("#total-conversations").textContent(), String(EXPECTED.conversations));
  });

  test("a table is one click away for sighted users, and always there for screen readers", async () => {
    const toggle = page.locator("button.table-toggle").first();
    assert.equal(await toggle.textContent(), "Show the table");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    assert.equal(await page.locator("figure.chart canvas[aria-hidden='true']").count(),
      await page.locator("figure.chart canvas").count());
  });

  test("no Content-Security-Policy violation and no script error", async () => {
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(errors, []);
  });

  test("the handoff and callback sections show what the bot recorded", async () => {
    const handoffs = await page.locator("#handoffs").textContent();
    const callbacks = await page.locator("#callbacks").textContent();
    assert.match(handoffs, /No handoffs to staff in this range|handoffs; answered/);
    assert.match(callbacks, /requests; done:/);
    assert.doesNotMatch(handoffs + callbacks, /Not recorded yet/);
  });

  test("screenshot for the README", async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "dashboard.png"), fullPage: false });
  });

  test("after signing out, the dashboard asks to sign in again", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${BASE}/staff/login`);
    await page.goto(`${BASE}/staff/`);
    assert.match(page.url(), /\/staff\/login$/);
  });
});

describe("the dashboard on a phone", () => {
  let context, page, errors;
  before(async () => {
    ({ context, page, errors } = await openPage(360, 740));
    await signIn(page);
  });
  after(async () => { await context.close(); });

  test("it fits a 360-pixel-wide screen, charts included", async () => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `page is ${width} px wide`);
    const boxes = await page.locator("figure.chart canvas").evaluateAll((nodes) =>
      nodes.map((c) => c.getBoundingClientRect()).map((r) => [r.left, r.right]));
    assert.ok(boxes.every(([left, right]) => left >= 0 && right <= 360), JSON.stringify(boxes));
    const signOut = await page.getByRole("button", { name: "Sign out" }).boundingBox();
    assert.ok(signOut.height >= 32, "Sign out is tappable");
    assert.deepEqual(errors, []);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "dashboard-360px.png"), fullPage: false });
  });
});
