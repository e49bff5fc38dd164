// Workspace mode: tenant key + token in memory only → index a repo by URL → progress →
// search → callees panel → a second job cancelled → the token was never stored or put in a URL.
import { browserState, expect, recordUrls, shot, until } from "./util.mjs";

export async function workspaceJourney({ page, context, base, forge, shots, log }) {
  const token = "tok-a";
  const key = `${forge}//emea/team-a`;
  const urls = recordUrls(page);
  const identities = [];
  page.on("request", (r) => {
    const identity = r.headers()["x-git-identity"];
    if (identity) identities.push(identity);
  });

  log("sign in with a tenant key and a token");
  await page.goto(`${base}/app/workspace`);
  await page.getByLabel("Tenant key").fill("team-a");
  await page.getByLabel("Git token").fill(token);
  await page.getByRole("button", { name: "Sign in to the workspace" }).click();
  await page.getByRole("alert").filter({ hasText: "invalid_tenant_key" }).waitFor();
  await page.getByLabel("Tenant key").fill(key);
  await page.getByLabel("Git token").fill(token);
  await shot(page, shots, "workspace-signin");
  await page.getByRole("button", { name: "Sign in to the workspace" }).click();
  await page.waitForURL(`${base}/app/dashboard`);
  await page.getByRole("heading", { name: `Workspace ${key}` }).waitFor();

  log("index billing and follow it");
  await page.getByLabel("Repository URL").fill(`http://${forge}/emea/team-a/billing.git`);
  await page.getByRole("button", { name: "Index", exact: true }).click();
  await page.waitForURL(/\/app\/jobs\/[0-9a-f]+$/);
  await until(async () => (await page.getByTestId("repos-done").innerText()) === "1 / 1",
    "billing indexed", 120_000);

  log("search the workspace, open a hit's callees");
  await page.getByRole("link", { name: "Search these repositories" }).click();
  await page.getByLabel(/Search query/).fill("invoice total with tax");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const first = page.getByTestId("hit").first();
  await first.waitFor();
  expect((await first.getByTestId("hit-place").innerText()).startsWith("billing/invoice.py:"), "the invoice code is found");
  const symbolButton = first.getByRole("button", { name: /Callers, callees and definition of/ });
  if (await symbolButton.count()) {
    await symbolButton.click();
    const panel = page.getByRole("complementary");
    await panel.getByRole("tab", { name: "Callees" }).click();
    await panel.getByRole("tabpanel").waitFor();
  }
  await shot(page, shots, "workspace-search");

  log("start a job for a larger repo, watch it run, cancel it");
  const big = process.env.BIG_REPO ?? "emea/team-a/svc"; // BIG_REPO: still running when cancelled
  await page.getByRole("link", { name: "Dashboard" }).click();
  await page.getByLabel("Repository URL").fill(`http://${forge}/${big}.git`);
  await page.getByRole("button", { name: "Index", exact: true }).click();
  await page.waitForURL(/\/app\/jobs\/[0-9a-f]+$/);
  const cancel = page.getByRole("button", { name: "Cancel job" });
  await cancel.waitFor();
  if (process.env.BIG_REPO) {
    const files = page.getByTestId("files");
    await until(async () => /^[1-9]\d* \/ \d+$/.test(await files.innerText()), "files are being indexed", 60_000);
    await shot(page, shots, "workspace-progress");
  }
  let answered = null;
  if (await cancel.isEnabled()) {
    const response = page.waitForResponse((r) => r.url().endsWith("/cancel"));
    await cancel.click({ timeout: 2000 }).catch(() => {});
    answered = await response.then((r) => r.status()).catch(() => null);
  }
  const final = await until(async () => {
    const status = (await page.getByTestId("job-status").innerText()).trim();
    return ["cancelled", "done", "failed"].includes(status) && status;
  }, "the job ended", 120_000);
  log(`cancel answered ${answered}; the job ended ${final}`);
  if (process.env.BIG_REPO) {
    expect(answered === 202, `POST /jobs/{id}/cancel answered ${answered}`);
    expect(final === "cancelled", `the cancelled job ended ${final}`);
  }
  await shot(page, shots, "workspace-progress-cancelled");

  await page.getByRole("link", { name: "Dashboard" }).click();
  await page.getByRole("region", { name: "Index jobs" }).getByRole("listitem").nth(1).waitFor();
  await shot(page, shots, "workspace-dashboard");

  log("the token was sent only as a header, and stored nowhere");
  expect(identities.some((v) => v === `domain=${forge},token=${token}`),
    "requests carried X-Git-Identity");
  const leaks = urls.filter((u) => u.includes(token));
  expect(leaks.length === 0, `the token appeared in URLs: ${leaks.join(", ")}`);
  const state = await browserState(page, context);
  expect(!state.includes(token), `the token is kept by the browser: ${state}`);

  log("a reload forgets the workspace session");
  await page.reload();
  await page.waitForURL(`${base}/app/login`);
}
