// Times the dashboard in Chromium (bench/bench_dashboard.py): from navigation to every chart drawn.
// Usage: node staff/bench_load.mjs URL "cookie_name=value"; prints {"seconds": ...} as its last line.
import { launchBrowser } from "../tests/browser.mjs";

const [url, cookie] = process.argv.slice(2);
const [name, ...rest] = cookie.split("=");
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name, value: rest.join("="), url: new URL(url).origin + "/staff/" }]);
  const page = await context.newPage();
  const drawn = () => {
    const figures = document.querySelectorAll("figure.chart");
    return figures.length && document.querySelectorAll("figure.chart[data-drawn]").length === figures.length
      ? performance.now() : false;
  };
  // The first load starts the browser's renderer; the second is a staff member opening the page again.
  const times = [];
  for (let run = 0; run < 3; run += 1) {
    await page.goto(url);
    times.push((await (await page.waitForFunction(drawn, null, { timeout: 60000, polling: 10 })).jsonValue()) / 1000);
  }
  console.log(JSON.stringify({ first: times[0], seconds: Math.min(...times.slice(1)) }));
} finally {
  await browser.close();
}
