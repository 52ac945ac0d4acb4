// Starts Debian's chromium through playwright-core (`npx playwright install` cannot download
// browsers here), and finds the widget's parts inside its shadow root.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export async function launchBrowser() {
  // Playwright gives each launch a new, empty profile (--user-data-dir). Without the
  // background-networking flags chromium keeps trying hosts this closed network refuses.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// The widget's elements (playwright's CSS and role locators pierce its open shadow root).
export function widget(page) {
  return {
    launcher: page.getByRole("button", { name: /Chat/ }),
    panel: page.getByRole("region", { name: "CERS help assistant" }),
    log: page.getByRole("log"),
    input: page.getByLabel("Your question"),
    send: page.getByRole("button", { name: "Send", exact: true }),
    choices: page.getByRole("group", { name: "Suggested answers" }).getByRole("button"),
    alert: page.locator("#cers-chat-widget .alert"),
    typing: page.locator("#cers-chat-widget .typing"),
    botMessages: page.locator("#cers-chat-widget .msg.bot"),
    userMessages: page.locator("#cers-chat-widget .msg.user"),
  };
}

// The element that has the keyboard focus, looking inside the widget's shadow root.
export async function focused(page) {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element && element.shadowRoot && element.shadowRoot.activeElement) {
      element = element.shadowRoot.activeElement;
    }
    if (!element) return null;
    return { tag: element.tagName.toLowerCase(), text: (element.textContent || "").trim(),
      label: element.getAttribute("aria-label") || (element.labels && element.labels[0] ? element.labels[0].textContent : ""),
      inChoices: !!(element.closest && element.closest(".choices")) };
  });
}
