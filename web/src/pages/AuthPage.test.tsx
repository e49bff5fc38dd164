import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSession } from "../state/session";
import { apiError, json, mockApi } from "../test/api";
import { QUOTA } from "../test/fixtures";
import { renderApp } from "../test/render";

const TOKENS = { user_id: "u1", access_token: "acc-1", refresh_token: "ref-1" };

describe("log-in and sign-up", () => {
  it("shows the API's message for a wrong password and stays signed out", async () => {
    const api = mockApi({ "POST /auth/login": apiError(401, "invalid_credentials", "wrong email or password") });
    const { user } = renderApp("/login");
    await user.type(screen.getByLabelText("Email"), "dana@example.com");
    await user.type(screen.getByLabelText("Password"), "nope");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong email or password");
    expect(api.find("POST", "/auth/login")[0].body).toEqual({ email: "dana@example.com", password: "nope" });
    expect(useSession.getState().session).toBeNull();
  });

  it("signs in, keeps the tokens in memory only and opens the dashboard", async () => {
    const api = mockApi({
      "POST /auth/login": json(200, TOKENS),
      "GET /usage": json(200, { quota: QUOTA, days: [], recent_queries: [{ query: "jwt", mode: "my", hits: 2, at: "2026-01-01T00:00:00Z" }] }),
      "GET /repos": json(200, { repos: [] }),
      "GET /jobs": json(200, { jobs: [] }),
    });
    const { user } = renderApp("/login");
    await user.type(screen.getByLabelText("Email"), "dana@example.com");
    await user.type(screen.getByLabelText("Password"), "correct horse battery");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("heading", { name: "Dashboard" })).toBeInTheDocument();
    expect(await screen.findByRole("progressbar", { name: "Queries today" })).toHaveAttribute("aria-valuenow", "0");
    expect(await screen.findByText("jwt")).toBeInTheDocument();
    expect(useSession.getState().session).toMatchObject({ kind: "account", access: "acc-1" });
    expect(api.find("GET", "/usage")[0].headers.get("authorization")).toBe("Bearer acc-1");
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe("");
  });

  it("shows the validation problem of a refused sign-up", async () => {
    mockApi({ "POST /auth/signup": apiError(400, "invalid_input", "a password has 10 to 256 characters") });
    const { user } = renderApp("/signup");
    await user.type(screen.getByLabelText("Email"), "x@example.com");
    await user.type(screen.getByLabelText("Password"), "short");
    await user.click(screen.getByRole("button", { name: "Sign up" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("a password has 10 to 256 characters");
  });

  it("renews an expired access token once and retries the request", async () => {
    let first = true;
    const api = mockApi({
      "GET /usage": (call) => {
        if (call.headers.get("authorization") === "Bearer old" && first) {
          first = false;
          return apiError(401, "invalid_token", "the access token has expired");
        }
        return json(200, { quota: QUOTA, days: [], recent_queries: [] });
      },
      "POST /auth/refresh": json(200, { ...TOKENS, access_token: "new", refresh_token: "ref-2" }),
      "GET /repos": json(200, { repos: [] }),
      "GET /jobs": json(200, { jobs: [] }),
    });
    useSession.getState().signInAccount("d@example.com", "old", "ref-1");
    renderApp("/dashboard");
    expect(await screen.findByRole("progressbar", { name: "Repositories" })).toBeInTheDocument();
    expect(api.find("POST", "/auth/refresh")[0].body).toEqual({ refresh_token: "ref-1" });
    expect(useSession.getState().session).toMatchObject({ access: "new", refresh: "ref-2" });
  });
});
