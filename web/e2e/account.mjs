// Account mode: landing → sign up → save a token → pick repos (quota checked) → live progress
// over SSE → search (filters, highlighting, marks, deep link) → callers panel → dashboard →
// log out and back in (a wrong password first).
import { expect, shot, until } from "./util.mjs";

const PASSWORD = "correct horse battery staple";

export async function accountJourney({ page, base, forge, shots, log }) {
  const email = `dana-${Date.now()}@example.com`;
  const streams = [];
  page.on("request", (r) => r.url().includes("/events") && streams.push(r));

  log("landing");
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/app/`);
  await page.getByRole("heading", { name: /code search for your Git repositories/ }).waitFor();
  await shot(page, shots, "landing");

  log("sign up (a refused password first)");
  await page.getByRole("link", { name: "Get started: sign up" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("alert").filter({ hasText: "a password has 10" }).waitFor();
  await shot(page, shots, "signup-error");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${base}/app/connect`);

  log("save a token: a wrong one, then tok-a");
  await page.getByLabel("Forge domain").fill(forge);
  await page.getByLabel("Personal access token").fill("tok-wrong");
  await page.getByRole("button", { name: "Verify and save" }).click();
  await page.getByRole("alert").filter({ hasText: "did not accept this token" }).waitFor();
  await page.getByLabel("Personal access token").fill("tok-a");
  await page.getByRole("button", { name: "Verify and save" }).click();
  await page.getByRole("status").filter({ hasText: "alice" }).waitFor();

  log("list the repos the token reads, with sizes");
  const table = page.getByRole("table");
  const svc = table.getByRole("row").filter({ hasText: "emea/team-a/svc" });
  const billing = table.getByRole("row").filter({ hasText: "emea/team-a/billing" });
  await svc.waitFor();
  expect(/\b5\b/.test(await svc.innerText()), "svc shows its 5 files");
  expect(await table.getByRole("row").filter({ hasText: "emea/team-b" }).count() === 0, "tok-a reads only team-a");
  await page.getByLabel("emea/team-a/svc").check();
  await page.getByLabel("emea/team-a/billing").check();
  const summary = await page.getByTestId("selection-summary").innerText();
  expect(/2 selected/.test(summary) && /of 10/.test(summary), `quota summary: ${summary}`);
  await shot(page, shots, "connect");

  log("start one job and watch it over SSE");
  await page.getByRole("button", { name: "Index 2 selected" }).click();
  await page.waitForURL(/\/app\/jobs\/[0-9a-f]+$/);
  await page.getByRole("heading", { name: "Indexing progress" }).waitFor();
  await until(async () => (await page.getByTestId("job-repo").count()) === 2, "two repos in the job");
  await until(async () => (await page.getByTestId("repos-done").innerText()) === "2 / 2",
    "both repos indexed", 180_000);
  expect(streams.length > 0, "progress came over GET /jobs/{id}/events");
  expect(streams.every((r) => !r.url().includes("?")), "no credentials in the events URL");
  expect(streams[0].headers().authorization?.startsWith("Bearer "), "the stream sent the Bearer header");
  const svcRepo = page.getByTestId("job-repo").filter({ hasText: "emea/team-a/svc" });
  expect((await svcRepo.getByTestId("files").innerText()) === "5 / 5", "svc: 5 / 5 files");
  await svcRepo.getByRole("list", { name: /languages of/ }).getByText(/python \d+%/).waitFor();
  await page.getByTestId("stream-state").filter({ hasText: "finished" }).waitFor();
  await shot(page, shots, "progress");

  log("search with a language filter");
  await page.getByRole("link", { name: "Search these repositories" }).click();
  await page.getByLabel(/Search query/).fill("where is the jwt signature checked");
  await page.getByLabel("Language").selectOption("python");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const first = page.getByTestId("hit").first();
  await first.waitFor();
  expect((await first.getByTestId("hit-place").innerText()).startsWith("auth/jwt.py:"), "the jwt check comes first");
  expect((await first.getByTestId("hit-symbol").innerText()) === "validate_jwt", "hit symbol");
  expect(await first.locator("[data-marked]").count() > 0, "matched lines are marked");
  expect(await first.locator(".token.keyword").count() > 0, "the code is highlighted");
  const link = await first.getByRole("link", { name: /Open auth\/jwt.py/ }).getAttribute("href");
  expect(link.startsWith(`http://${forge}/emea/team-a/svc/-/blob/`) && /#L\d+-\d+$/.test(link), `deep link ${link}`);

  log("keyboard: / focuses the query, arrows move between hits");
  await first.focus();
  await page.keyboard.press("ArrowDown");
  expect(await page.getByTestId("hit").nth(1).evaluate((el) => el === document.activeElement), "ArrowDown moves to hit 2");
  await page.keyboard.press("/");
  expect(await page.getByLabel(/Search query/).evaluate((el) => el === document.activeElement), "/ focuses the query box");
  await shot(page, shots, "search");

  log("callers / callees / definition of a hit");
  await first.getByRole("button", { name: "Callers, callees and definition of validate_jwt" }).click();
  const panel = page.getByRole("complementary", { name: "Symbol validate_jwt" });
  await panel.getByTestId("symbol-refs").getByText("open_session").waitFor();
  await shot(page, shots, "search-callers");
  await panel.getByRole("tab", { name: "Definition" }).click();
  await panel.getByRole("link", { name: /auth\/jwt.py:\d+-\d+/ }).waitFor();
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });

  log("a query with nothing relevant shows the reason");
  await page.getByLabel(/Search query/).fill("banana spaceship orchestra");
  await page.getByLabel("Language").selectOption("");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByTestId("no-hits").filter({ hasText: "no confident match" }).waitFor();
  await shot(page, shots, "search-empty");

  log("dashboard: quota bars, repos, recent queries");
  await page.getByRole("link", { name: "Dashboard" }).click();
  const repos = page.getByRole("progressbar", { name: "Repositories" });
  await until(async () => (await repos.getAttribute("aria-valuenow")) === "2", "2 repos used");
  await until(async () => (await page.getByRole("progressbar", { name: "Queries today" })
    .getAttribute("aria-valuenow")) === "2", "2 queries today");
  const connected = page.getByRole("region", { name: "Connected repositories" });
  await connected.getByRole("row").filter({ hasText: "emea/team-a/svc" }).getByText("indexed").waitFor();
  await page.getByRole("region", { name: "Recent queries" }).getByText("banana spaceship orchestra").waitFor();
  await shot(page, shots, "dashboard");

  log("log out; a wrong password is refused; log in");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Log in" }).first().click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not my password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "wrong email or password" }).waitFor();
  await shot(page, shots, "login-error");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${base}/app/dashboard`);
  await page.getByRole("region", { name: "Connected repositories" }).getByText("emea/team-a/billing").waitFor();

  log("a deep link into the app is served by the SPA, and a reload forgets the session");
  await page.reload();
  await page.waitForURL(`${base}/app/login`);
}
