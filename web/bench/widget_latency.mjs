// Time from pressing Enter in the widget to the reply rendered on screen, measured inside the
// browser (performance.now() at the Enter keydown, then at the first animation frame after
// the bot's first message bubble is added). Prints one JSON line with every round in ms.
// BOT_URL, DEMO_URL: as for the widget tests. ROUNDS (20) measured after WARMUP (3) rounds.
import { launchBrowser, widget } from "../tests/browser.mjs";

const DEMO_URL = process.env.DEMO_URL;
const ROUNDS = Number(process.env.ROUNDS || 20);
const WARMUP = Number(process.env.WARMUP || 3);
const QUESTIONS = [
  "how do I add a user?", "when is it due", "what is a cers id", "how do i log in",
  "what's your phone number", "how do I update my business information", "who has to submit",
  "i forgot my pasword", "what are the reporting thresholds", "what does not accepted mean",
];

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(DEMO_URL);
  const w = widget(page);
  await w.launcher.click();
  await w.log.getByText("What do you need?").waitFor({ timeout: 60000 });
  await page.waitForTimeout(500);

  // In the page: each Enter in the input starts a stopwatch; the first bot bubble added after
  // it, once painted, stops it.
  await page.evaluate(() => {
    const root = document.getElementById("cers-chat-widget").shadowRoot;
    const input = root.querySelector("input");
    const log = root.querySelector("[role=log]");
    window.__cersBench = { started: null, results: [] };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") window.__cersBench.started = performance.now();
    }, true);
    new MutationObserver((mutations) => {
      const bench = window.__cersBench;
      if (bench.started === null) return;
      const botBubble = mutations.some((m) => [...m.addedNodes].some((n) => n.classList && n.classList.contains("bot")));
      if (!botBubble) return;
      const started = bench.started;
      bench.started = null;
      requestAnimationFrame(() => bench.results.push(performance.now() - started));
    }).observe(log, { childList: true });
  });

  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const question = QUESTIONS[round % QUESTIONS.length];
    await w.input.fill(question);
    const count = await page.evaluate(() => window.__cersBench.results.length);
    await w.input.press("Enter");
    await page.waitForFunction((n) => window.__cersBench.results.length > n, count, { timeout: 60000 });
    // Let the rest of the answer arrive before the next question.
    await page.waitForTimeout(400);
  }
  const all = await page.evaluate(() => window.__cersBench.results);
  const measured = all.slice(WARMUP);
  const sorted = [...measured].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  console.log(JSON.stringify({ rounds: measured.length, median_ms: +median.toFixed(1),
    min_ms: +sorted[0].toFixed(1), max_ms: +sorted[sorted.length - 1].toFixed(1),
    all_ms: measured.map((v) => +v.toFixed(1)) }));
} finally {
  await browser.close();
}
