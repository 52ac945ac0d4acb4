// The chat widget on a county page with a strict Content-Security-Policy (no 'unsafe-inline'),
// against a bot with the default rate limits. Run by tests/live/test_abuse_limits.py, which sets:
//   DEMO_URL  the demo page, served with the policy docs/channels.md gives (scripts/serve_demo.py)
//   BOT_URL   the Rasa server (RATE_LIMIT_PER_SENDER unset: 30 messages a minute)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchBrowser, widget } from "./browser.mjs";

const DEMO_URL = process.env.DEMO_URL;
const BOT_URL = process.env.BOT_URL;
const ANSWER_MS = 30000;
const PER_SENDER = 30;

assert.ok(DEMO_URL && BOT_URL, "set DEMO_URL and BOT_URL");

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

describe("the widget under a strict Content-Security-Policy", () => {
  let context, page, w;
  const violations = [];
  const errors = [];
  before(async () => {
    context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    page = await context.newPage();
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    // Every violation the page reports, inside the widget's shadow root too (the event is composed).
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (event) => {
        window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
      }, true);
    });
    const response = await page.goto(DEMO_URL);
    const policy = response.headers()["content-security-policy"] || "";
    assert.match(policy, /script-src/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    w = widget(page);
  });
  after(async () => { await context.close(); });

  test("the widget is styled as designed, with nothing refused by the policy", async () => {
    await w.launcher.waitFor();
    const look = await w.launcher.evaluate((button) => {
      const style = getComputedStyle(button);
      return { background: style.backgroundColor, position: style.position };
    });
    assert.deepEqual(look, { background: "rgb(29, 79, 145)", position: "fixed" });
    await w.launcher.click();
    await w.panel.waitFor();
    assert.equal(await w.panel.evaluate((panel) => getComputedStyle(panel).position), "fixed");
  });

  test("it answers a question", async () => {
    await w.log.getByText("What do you need?").waitFor({ timeout: ANSWER_MS });
    await w.input.fill("how do I add a user?");
    await w.input.press("Enter");
    await w.log.getByText("3. Click 'Add a Person' and follow the prompts.").waitFor({ timeout: ANSWER_MS });
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
  });

  test("too many messages in a minute get the slow-down message, with 911 for emergencies", async () => {
    // The greeting and the question were two; these make the conversation go over its limit.
    for (let sent = 2; sent <= PER_SENDER + 1; sent++) {
      await w.input.fill(`thanks ${sent}`);
      await w.input.press("Enter");
    }
    const notice = w.botMessages.filter({ hasText: "sending messages too fast" });
    await notice.first().waitFor({ timeout: ANSWER_MS });
    assert.match(await notice.first().textContent(), /In an emergency, call 911\./);
    // The person is not told the bot cannot be reached: it answered.
    await page.waitForTimeout(1000);
    assert.equal(await w.alert.isHidden(), true);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
  });
});
