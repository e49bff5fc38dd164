// End-to-end: Debian's chromium (playwright-core) against a real `kosha serve` and the
// stand-in forge. Usage (tests/web starts both servers and runs this):
//   KOSHA_URL=http://127.0.0.1:8000 FORGE_DOMAIN=127.0.0.1:8929 node e2e/run.mjs
// Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOTS (default ../docs/ui), HEADED=1.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { accountJourney } from "./account.mjs";
import { workspaceJourney } from "./workspace.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const base = (process.env.KOSHA_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
const forge = process.env.FORGE_DOMAIN ?? "127.0.0.1:8929";
const shots = resolve(process.env.SCREENSHOTS ?? resolve(here, "../../docs/ui"));
const artifacts = resolve(here, "artifacts");
mkdirSync(shots, { recursive: true });
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: process.env.HEADED !== "1",
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});

const results = [];
async function journey(name, fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  const started = Date.now();
  try {
    await fn({ page, context, base, forge, shots, log: (m) => console.log(`  [${name}] ${m}`) });
    if (problems.length) throw new Error(problems.join("\n"));
    results.push([name, true]);
    console.log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push([name, false]);
    const shot = resolve(artifacts, `${name}-failure.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`FAIL ${name}: ${error.stack ?? error}\n  at ${page.url()}\n  screenshot: ${shot}`);
  } finally {
    await context.close();
  }
}

try {
  await journey("account", accountJourney);
  await journey("workspace", workspaceJourney);
} finally {
  await browser.close();
}
const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
