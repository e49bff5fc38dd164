// Small helpers shared by the journeys.
import { resolve } from "node:path";

export class Check extends Error {}

export function expect(condition, message) {
  if (!condition) throw new Check(message);
}

/** Wait until fn() is truthy (polling), or fail with `message`. */
export async function until(fn, message, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Check(`${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** A full-page screenshot into docs/ui, the mouse moved out of the way. */
export async function shot(page, shots, name) {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: resolve(shots, `${name}.png`), fullPage: true, animations: "disabled" });
}

/** Every URL the page asks for or shows, to prove a secret never goes into one. */
export function recordUrls(page) {
  const urls = [];
  page.on("request", (request) => urls.push(request.url()));
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  return urls;
}

/** Whatever the browser keeps for the origin: storage, cookies, the address. */
export async function browserState(page, context) {
  const inPage = await page.evaluate(() => JSON.stringify({
    local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie,
    href: location.href, history: history.length,
  }));
  const cookies = JSON.stringify(await context.cookies());
  return `${inPage} ${cookies}`;
}
