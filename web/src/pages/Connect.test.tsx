import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSession } from "../state/session";
import { apiError, json, mockApi } from "../test/api";
import { available, job, QUOTA } from "../test/fixtures";
import { renderApp } from "../test/render";

const SAVED = { domain: "forge.test", kind: "gitlab", source: "pat", forge_user: "alice", created_at: "2026-01-01T00:00:00Z" };

function signedIn() {
  useSession.getState().signInAccount("dana@example.com", "acc", "ref");
}

describe("connect repositories", () => {
  it("verifies and saves a token, then lists the repos it reads with sizes", async () => {
    let saved = false;
    const api = mockApi({
      "GET /auth/tokens": () => json(200, { tokens: saved ? [SAVED] : [] }),
      "POST /auth/gitlab-pat": () => { saved = true; return json(200, { domain: "forge.test", kind: "gitlab", forge_user: "alice", saved: true }); },
      "GET /repos/available": json(200, available()),
    });
    signedIn();
    const { user } = renderApp("/connect");
    await user.type(await screen.findByLabelText("Forge domain"), "forge.test");
    await user.type(screen.getByLabelText("Personal access token"), "tok-a");
    await user.click(screen.getByRole("button", { name: "Verify and save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("alice");
    expect(api.find("POST", "/auth/gitlab-pat")[0].body).toEqual({ token: "tok-a", domain: "forge.test" });
    const table = await screen.findByRole("table");
    const svc = within(table).getByText("emea/team-a/svc").closest("tr")!;
    expect(svc).toHaveTextContent("5");
    expect(svc).toHaveTextContent("50");
    expect(api.find("GET", "/repos/available")[0].search).toContain("domain=forge.test");
  });

  it("shows why the forge refused a token", async () => {
    mockApi({
      "GET /auth/tokens": json(200, { tokens: [] }),
      "POST /auth/gitlab-pat": apiError(400, "invalid_forge_token", "forge.test did not accept this token"),
    });
    signedIn();
    const { user } = renderApp("/connect");
    await user.type(await screen.findByLabelText("Personal access token"), "bad");
    await user.click(screen.getByRole("button", { name: "Verify and save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("forge.test did not accept this token");
  });

  it("refuses a selection over the quota before asking the server", async () => {
    const tight = { limits: { ...QUOTA.limits, repos: 2 }, used: { ...QUOTA.used, repos: 1 } };
    const api = mockApi({
      "GET /auth/tokens": json(200, { tokens: [SAVED] }),
      "GET /repos/available": json(200, available({ quota: tight })),
    });
    signedIn();
    const { user } = renderApp("/connect");
    await user.click(await screen.findByLabelText("emea/team-a/svc"));
    expect(screen.getByRole("button", { name: "Index 1 selected" })).toBeEnabled();
    await user.click(screen.getByLabelText("emea/team-a/billing"));
    expect(await screen.findByRole("alert")).toHaveTextContent("3 repositories would pass your quota of 2");
    expect(screen.getByRole("button", { name: "Index 2 selected" })).toBeDisabled();
    expect(api.find("POST", "/repos/select")).toHaveLength(0);
  });

  it("starts one job for the selection and shows a quota refusal from the server", async () => {
    let refuse = true;
    const api = mockApi({
      "GET /auth/tokens": json(200, { tokens: [SAVED] }),
      "GET /repos/available": json(200, available()),
      "POST /repos/select": () => refuse
        ? apiError(402, "quota_chunks_exceeded", "this selection needs about 70 chunks; 10 are left")
        : json(202, { job: job({ id: "j1" }) }),
      "GET /jobs/j1": json(200, { job: job({ id: "j1", status: "completed" }) }),
    });
    signedIn();
    const { user } = renderApp("/connect");
    await user.click(await screen.findByLabelText("emea/team-a/svc"));
    await user.click(screen.getByLabelText("emea/team-a/billing"));
    expect(screen.getByTestId("selection-summary")).toHaveTextContent("about 70 chunks");
    await user.click(screen.getByRole("button", { name: "Index 2 selected" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("10 are left");
    refuse = false;
    await user.click(screen.getByRole("button", { name: "Index 2 selected" }));
    expect(await screen.findByRole("heading", { name: "Indexing progress" })).toBeInTheDocument();
    expect(api.find("POST", "/repos/select").at(-1)!.body).toEqual({
      repo_urls: ["http://forge.test/emea/team-a/svc", "http://forge.test/emea/team-a/billing"],
    });
  });
});
