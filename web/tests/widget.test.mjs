// The chat widget in a real browser (Debian's chromium), on the demo page, against a live bot.
// Run by tests/live/test_widget_browser.py, which starts the bot and the demo page and sets:
//   DEMO_URL        the demo page (a mock county page with the widget's one script tag)
//   BOT_URL         the Rasa server
//   RASA_PID        the Rasa server's process id: the last test stops it (then pytest restarts it)
//   SCREENSHOT_DIR  where to save the phone-width screenshot
//   OFFICE_NAME, OFFICE_PHONE  the office in use (office.yml or OFFICE_FILE): any office passes
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { focused, launchBrowser, widget } from "./browser.mjs";

const DEMO_URL = process.env.DEMO_URL;
const BOT_URL = process.env.BOT_URL;
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || path.resolve("../tests/screenshots");
const PHONE = process.env.OFFICE_PHONE;
const OFFICE_NAME = process.env.OFFICE_NAME;
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const ANSWER_MS = 30000;

assert.ok(DEMO_URL && BOT_URL && PHONE && OFFICE_NAME, "set DEMO_URL, BOT_URL, OFFICE_NAME and OFFICE_PHONE");

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function openPhonePage() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(DEMO_URL);
  return { context, page, errors };
}

describe("the widget on a phone-width screen", () => {
  let context, page, errors, w;
  before(async () => {
    ({ context, page, errors } = await openPhonePage());
    w = widget(page);
  });
  after(async () => { await context.close(); });

  test("the page loads the widget from the bot's server with one script tag", async () => {
    const scripts = await page.locator("script[src]").evaluateAll((nodes) => nodes.map((n) => n.src));
    assert.deepEqual(scripts, [`${BOT_URL}/widget.js`]);
    await w.launcher.waitFor();
    assert.equal(await w.launcher.getAttribute("aria-expanded"), "false");
    assert.equal(await w.panel.isHidden(), true);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "widget-closed-360px.png") });
  });

  test("asking a question shows the typing indicator, then the answer and its buttons", async () => {
    await w.launcher.click();
    await w.panel.waitFor(); // the chat button hides while the chat is open
    await w.log.getByText("What do you need?").waitFor({ timeout: ANSWER_MS }); // the bot's greeting
    assert.equal(await w.log.getAttribute("aria-live"), "polite");
    await w.input.fill("how do I add a user?");
    await w.input.press("Enter");
    await w.typing.getByText("The assistant is typing").waitFor({ timeout: 5000 }).catch(() => {
      // A very fast answer can replace the indicator before we look: then the answer is there.
    });
    await w.log.getByText("3. Click 'Add a Person' and follow the prompts.").waitFor({ timeout: ANSWER_MS });
    await w.choices.first().waitFor();
    assert.deepEqual(await w.choices.allTextContents(), ["Yes, step by step", "No, thanks"]);
    assert.equal(await w.typing.isHidden(), true);
    assert.equal(await w.input.inputValue(), "");
  });

  test("it fits a 360-pixel-wide screen (screenshot saved)", async () => {
    const box = await w.panel.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `panel at ${box.x}..${box.x + box.width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 360, `page is ${overflow} px wide`);
    const sendBox = await w.send.boundingBox();
    assert.ok(sendBox.x + sendBox.width <= 360 && sendBox.height >= 32, "Send button visible and tappable");
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "widget-360px.png") });
  });

  test("clicking a button sends its payload and shows its title", async () => {
    await w.choices.filter({ hasText: "No, thanks" }).click();
    await w.userMessages.filter({ hasText: "No, thanks" }).waitFor();
    await w.log.getByText("Anything else I can help with?").waitFor({ timeout: ANSWER_MS });
    assert.equal(await w.choices.count(), 0, "answered buttons are removed");
    const userTexts = await w.userMessages.allTextContents();
    assert.ok(!userTexts.some((text) => text.includes("/deny")), "the payload is not shown");
  });

  test("a reload keeps the conversation, and it goes on in the same session", async () => {
    const before = await w.log.innerText();
    const sessionBefore = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)).sessionId,
      `cers-chat:${BOT_URL}`);
    await page.reload();
    await w.log.getByText("how do I add a user?").waitFor();
    assert.equal(await w.log.innerText(), before);
    assert.equal(await w.panel.isVisible(), true, "an open chat stays open");
    await w.input.fill("thanks");
    await w.input.press("Enter");
    await w.log.getByText("You're welcome!").waitFor({ timeout: ANSWER_MS });
    const sessionAfter = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)).sessionId,
      `cers-chat:${BOT_URL}`);
    assert.equal(sessionAfter, sessionBefore);
    assert.match(sessionAfter, /^[0-9a-f]{32}$/);
  });

  test("a reply given while the page was closed shows when it is opened again, once", async () => {
    const key = `cers-chat:${BOT_URL}`;
    // As if the page had been closed before the latest reply came: the saved copy lacks it.
    const missed = await page.evaluate((key) => {
      const saved = JSON.parse(localStorage.getItem(key));
      const last = saved.messages.pop();
      saved.botSince -= 1;
      localStorage.setItem(key, JSON.stringify(saved));
      return last;
    }, key);
    assert.equal(missed.from, "bot");
    await page.reload();
    await w.log.getByText(missed.text).first().waitFor({ timeout: ANSWER_MS });
    await page.waitForTimeout(1500); // anything sent twice would show by now
    assert.equal(await w.log.getByText(missed.text).count(), 1);
    assert.equal(await page.evaluate((key) => JSON.parse(localStorage.getItem(key)).botSince, key), 1);
  });

  test("a message with HTML in it is shown as text, never run", async () => {
    const html = `<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>`;
    await w.input.fill(html);
    await w.input.press("Enter");
    const mine = w.userMessages.last();
    await mine.waitFor();
    assert.equal((await mine.textContent()).replace(/^You said: /, ""), html);
    await w.botMessages.nth(await w.botMessages.count()).waitFor({ timeout: ANSWER_MS }).catch(() => {});
    await page.waitForTimeout(500);
    const injected = await page.locator("#cers-chat-widget .log img, #cers-chat-widget .log b, #cers-chat-widget .log script").count();
    assert.equal(injected, 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  test("addresses in answers are links, only safe ones", async () => {
    await w.input.fill("the cers website keeps giving me an error");
    await w.input.press("Enter");
    const email = w.log.getByRole("link", { name: "cers@calepa.ca.gov" });
    await email.waitFor({ timeout: ANSWER_MS });
    assert.equal(await email.getAttribute("href"), "mailto:cers@calepa.ca.gov");
    const phone = w.log.getByRole("link", { name: PHONE }).last();
    assert.equal(await phone.getAttribute("href"), `tel:+1${PHONE.replace(/\D/g, "").slice(-10)}`);
    const hrefs = await page.locator("#cers-chat-widget .log a").evaluateAll((links) => links.map((a) => a.href));
    assert.ok(hrefs.every((href) => /^(https?:|mailto:|tel:)/.test(href)), hrefs.join(" "));
    assert.deepEqual(errors, []);
  });
});

describe("the widget with the keyboard alone", () => {
  let context, page, w;
  before(async () => {
    context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    page = await context.newPage();
    await page.goto(DEMO_URL);
    w = widget(page);
    await w.launcher.waitFor();
  });
  after(async () => { await context.close(); });

  async function tabUntil(predicate, key = "Tab", most = 30) {
    for (let i = 0; i < most; i++) {
      await page.keyboard.press(key);
      const element = await focused(page);
      if (element && predicate(element)) return element;
    }
    throw new Error(`no element reached with ${key}`);
  }

  test("Tab reaches the chat button, Enter opens the chat with the focus in the input", async () => {
    await tabUntil((e) => e.tag === "button" && /Chat/.test(e.text));
    await page.keyboard.press("Enter");
    const element = await focused(page);
    assert.equal(element.tag, "input");
    assert.equal(element.label, "Your question");
  });

  test("type, Enter: the answer comes", async () => {
    await w.log.getByText("What do you need?").waitFor({ timeout: ANSWER_MS });
    await page.keyboard.type("how do I log in?");
    await page.keyboard.press("Enter");
    await w.log.getByText("Business Portal Sign-In").first().waitFor({ timeout: ANSWER_MS });
    await w.choices.first().waitFor();
  });

  test("Shift+Tab reaches a suggested answer, Enter sends it, the focus returns to the input", async () => {
    const choice = await tabUntil((e) => e.inChoices, "Shift+Tab", 10);
    assert.equal(choice.text, "No, thanks");
    await page.keyboard.press("Enter");
    await w.log.getByText("Anything else I can help with?").waitFor({ timeout: ANSWER_MS });
    assert.equal((await focused(page)).tag, "input");
  });

  test("Escape closes the chat and gives the focus back to the chat button", async () => {
    await page.keyboard.press("Escape");
    assert.equal(await w.panel.isHidden(), true);
    const element = await focused(page);
    assert.equal(element.tag, "button");
    assert.match(element.text, /Chat/);
  });
});

// Issue 20: on a page in Spanish (<html lang="es">) the widget speaks Spanish, in its own words
// and in the bot's. WIDGET_TEXTS_ES: the widget's Spanish words (cers/templates/es/widget.yml);
// GREETING_ES: the end of the bot's Spanish greeting (cers/templates/es/responses.yml).
describe("the widget on a page in Spanish", { skip: !process.env.WIDGET_TEXTS_ES && "WIDGET_TEXTS_ES not set" }, () => {
  const T = JSON.parse(process.env.WIDGET_TEXTS_ES || "{}");
  let context, page;
  before(async () => {
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    await page.goto(new URL("es.html", DEMO_URL).href);
  });
  after(async () => { await context.close(); });

  test("its own words are Spanish, and the bot greets and answers in Spanish", async () => {
    const launcher = page.getByRole("button", { name: T.launcher });
    await launcher.waitFor();
    await launcher.click();
    const input = page.getByLabel(T.input_label);
    assert.equal(await input.getAttribute("placeholder"), T.placeholder);
    await page.getByRole("button", { name: T.send, exact: true }).waitFor();
    const log = page.getByRole("log");
    await log.getByText(process.env.GREETING_ES).waitFor({ timeout: ANSWER_MS });
    await input.fill("¿cómo agrego a otra persona a mi cuenta de CERS?");
    await input.press("Enter");
    await log.getByText("'Add a Person'").waitFor({ timeout: ANSWER_MS });
    await page.getByRole("group", { name: T.choices_label }).waitFor();
  });
});

describe("when the bot cannot be reached", { skip: !process.env.RASA_PID && "RASA_PID not set" }, () => {
  test("it says so, with the office's phone number, and keeps what was typed", async () => {
    const { context, page } = await openPhonePage();
    const w = widget(page);
    await w.launcher.click();
    await w.log.getByText("What do you need?").waitFor({ timeout: ANSWER_MS });
    assert.equal(await w.alert.isHidden(), true);

    process.kill(Number(process.env.RASA_PID), "SIGTERM"); // stop the bot
    await w.alert.getByText("can't be reached").waitFor({ timeout: 30000 });
    assert.match(await w.alert.textContent(), new RegExp(`call ${escaped(OFFICE_NAME)} at ${escaped(PHONE)}`));
    assert.equal(await w.alert.getAttribute("role"), "alert");

    await w.input.fill("is anyone there?");
    await w.input.press("Enter");
    assert.equal(await w.input.inputValue(), "is anyone there?", "the text is kept to send later");
    assert.equal(await w.userMessages.filter({ hasText: "is anyone there?" }).count(), 0);
    assert.equal(await w.alert.isVisible(), true);
    await context.close();
  });
});

