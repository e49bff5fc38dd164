import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSession } from "../state/session";
import { apiError, json, mockApi } from "../test/api";
import { job } from "../test/fixtures";
import { renderApp } from "../test/render";

describe("workspace sign-in", () => {
  it("sends the key and token as headers and keeps them in memory only", async () => {
    const api = mockApi({ "GET /jobs": json(200, { jobs: [job({ status: "completed" })] }) });
    const { user } = renderApp("/workspace");
    await user.type(screen.getByLabelText("Tenant key"), "forge.test//emea/team-a");
    await user.type(screen.getByLabelText("Git token"), "tok-secret-a");
    await user.click(screen.getByRole("button", { name: "Sign in to the workspace" }));
    expect(await screen.findByRole("heading", { name: "Workspace forge.test//emea/team-a" })).toBeInTheDocument();
    const check = api.find("GET", "/jobs")[0];
    expect(check.headers.get("x-tenant-key")).toBe("forge.test//emea/team-a");
    expect(check.headers.get("x-git-identity")).toBe("domain=forge.test,token=tok-secret-a");
    expect(check.search).not.toContain("tok-secret-a");
    expect(useSession.getState().session).toMatchObject({ kind: "workspace", token: "tok-secret-a" });
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + window.location.href;
    expect(stored).not.toContain("tok-secret-a");
  });

  it("shows why a key is refused and stays signed out", async () => {
    mockApi({ "GET /jobs": apiError(400, "invalid_tenant_key", "X-Tenant-Key must look like <domain>//<region>/<team>") });
    const { user } = renderApp("/workspace");
    await user.type(screen.getByLabelText("Tenant key"), "nonsense");
    await user.type(screen.getByLabelText("Git token"), "tok");
    await user.click(screen.getByRole("button", { name: "Sign in to the workspace" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("X-Tenant-Key must look like");
    expect(useSession.getState().session).toBeNull();
  });

  it("indexes a repository by URL and opens its progress", async () => {
    const api = mockApi({
      "GET /jobs": json(200, { jobs: [] }),
      "POST /index": json(202, { job: job({ id: "j9" }) }),
      "GET /jobs/j9": json(200, { job: job({ id: "j9", status: "completed" }) }),
    });
    useSession.getState().signInWorkspace("forge.test//emea/team-a", "tok-a");
    const { user } = renderApp("/dashboard");
    await user.type(await screen.findByLabelText("Repository URL"), "http://forge.test/emea/team-a/svc.git");
    await user.click(screen.getByRole("button", { name: "Index" }));
    expect(await screen.findByRole("heading", { name: "Indexing progress" })).toBeInTheDocument();
    expect(api.find("POST", "/index")[0].body).toEqual({ repo_url: "http://forge.test/emea/team-a/svc.git", ref: null });
  });
});
