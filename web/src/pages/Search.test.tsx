import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSession } from "../state/session";
import { apiError, json, mockApi } from "../test/api";
import { hit, result } from "../test/fixtures";
import { renderApp } from "../test/render";

const REPOS = { repos: [{ id: 1, repo_url: "http://forge.test/emea/team-a/svc", indexed: true, last_indexed_commit: "abc", ref: "main", chunks: 11 }] };

function signedIn() {
  useSession.getState().signInAccount("dana@example.com", "acc", "ref");
}

describe("search", () => {
  it("sends the query with the repo and language filters and shows highlighted hits", async () => {
    const api = mockApi({
      "GET /repos": json(200, REPOS),
      "POST /search": json(200, result([hit(), hit({ rel_path: "auth/session.py", start_line: 6, end_line: 9, symbol: "open_session", marks: [6] })])),
    });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "jwt signature");
    await user.selectOptions(await screen.findByLabelText("Repository"), "emea/team-a/svc");
    await user.selectOptions(screen.getByLabelText("Language"), "python");
    await user.click(screen.getByRole("button", { name: "Search" }));
    const hits = await screen.findAllByTestId("hit");
    expect(hits).toHaveLength(2);
    expect(api.find("POST", "/search")[0].body).toEqual({
      top_k: 10, query: "jwt signature", mode: "repo", repo_url: "http://forge.test/emea/team-a/svc", lang: ["python"],
    });
    const first = hits[0];
    expect(within(first).getByTestId("hit-place")).toHaveTextContent("auth/jwt.py:14-17");
    expect(within(first).getByTestId("hit-symbol")).toHaveTextContent("validate_jwt");
    expect(within(first).getByTestId("similarity")).toHaveTextContent("0.68");
    expect(within(first).getByRole("link", { name: /Open auth\/jwt.py:14-17/ }))
      .toHaveAttribute("href", "http://forge.test/emea/team-a/svc/-/blob/2696c5f/auth/jwt.py#L14-17");
    const marked = [...first.querySelectorAll("[data-marked]")].map((el) => el.getAttribute("data-line"));
    expect(marked).toEqual(["14", "16"]);
    expect(first.querySelector(".token.keyword")).toHaveTextContent("def");
  });

  it("searches every repo of the account without a repo filter", async () => {
    const api = mockApi({ "GET /repos": json(200, REPOS), "POST /search": json(200, result([hit()])) });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "jwt{Enter}");
    await screen.findAllByTestId("hit");
    expect(api.find("POST", "/search")[0].body).toEqual({ top_k: 10, query: "jwt", mode: "my" });
  });

  it("shows the reason when nothing is relevant", async () => {
    mockApi({ "GET /repos": json(200, REPOS), "POST /search": json(200, result([], "no confident match: best similarity 0.17, needs 0.45")) });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "banana{Enter}");
    expect(await screen.findByTestId("no-hits")).toHaveTextContent("best similarity 0.17, needs 0.45");
  });

  it("shows a refused query with the API's reason", async () => {
    mockApi({ "GET /repos": json(200, REPOS), "POST /search": apiError(429, "quota_queries_exceeded", "100 queries a day on the free tier: used up") });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "jwt{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The query was refused");
    expect(alert).toHaveTextContent("used up");
    expect(alert).toHaveTextContent("quota_queries_exceeded");
  });

  it("moves between hits with the arrow keys and focuses the query with /", async () => {
    mockApi({ "GET /repos": json(200, REPOS), "POST /search": json(200, result([hit(), hit({ start_line: 30, end_line: 33, marks: [] }), hit({ start_line: 50, end_line: 53, marks: [] })])) });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "jwt{Enter}");
    const hits = await screen.findAllByTestId("hit");
    hits[0].focus();
    await user.keyboard("{ArrowDown}");
    expect(hits[1]).toHaveFocus();
    await user.keyboard("j");
    expect(hits[2]).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(hits[2]).toHaveFocus();
    await user.keyboard("k");
    expect(hits[1]).toHaveFocus();
    await user.keyboard("/");
    expect(screen.getByLabelText(/Search query/)).toHaveFocus();
  });

  it("opens a hit's callers, then its callees and definition", async () => {
    const ref = (symbol: string, path: string) => ({ repo_url: "http://forge.test/emea/team-a/svc", rel_path: path, start_line: 6, end_line: 9, symbol, kind: "function", lang: "python", commit: "abc", link: `http://forge.test/${path}#L6-9`, via: "validate_jwt" });
    const api = mockApi({
      "GET /repos": json(200, REPOS),
      "POST /search": json(200, result([hit()])),
      "POST /graph/callers": json(200, { name: "validate_jwt", callers: [ref("open_session", "auth/session.py")] }),
      "POST /graph/callees": json(200, { name: "validate_jwt", callees: [] }),
      "POST /graph/definitions": json(200, { name: "validate_jwt", definitions: [ref("validate_jwt", "auth/jwt.py")] }),
    });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "jwt{Enter}");
    await user.click(await screen.findByRole("button", { name: "Callers, callees and definition of validate_jwt" }));
    const panel = await screen.findByRole("complementary", { name: "Symbol validate_jwt" });
    expect(await within(panel).findByText("open_session")).toBeInTheDocument();
    expect(api.find("POST", "/graph/callers")[0].body).toEqual({ name: "validate_jwt", mode: "my" });
    await user.click(within(panel).getByRole("tab", { name: "Callees" }));
    expect(await within(panel).findByText(/No callees of validate_jwt/)).toBeInTheDocument();
    within(panel).getByRole("tab", { name: "Callees" }).focus();
    await user.keyboard("{ArrowRight}");
    expect(within(panel).getByRole("tab", { name: "Definition" })).toHaveAttribute("aria-selected", "true");
    expect(await within(panel).findByRole("link", { name: /auth\/jwt.py:6-9/ })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("complementary")).toBeNull());
    expect(screen.getByTestId("hit")).toHaveFocus();
  });
});

describe("highlighting", () => {
  it("highlights languages beyond the bundled grammars (java)", async () => {
    mockApi({
      "GET /repos": json(200, REPOS),
      "POST /search": json(200, result([hit({ lang: "java", code: "public class Cart {\n  int total() { return 0; }\n}", start_line: 1, end_line: 3, marks: [2] })])),
    });
    signedIn();
    const { user } = renderApp("/search");
    await user.type(screen.getByLabelText(/Search query/), "cart{Enter}");
    const [first] = await screen.findAllByTestId("hit");
    expect(first.querySelector("pre")).toHaveAttribute("data-language", "java");
    const keywords = [...first.querySelectorAll(".token.keyword")].map((el) => el.textContent);
    expect(keywords).toEqual(expect.arrayContaining(["public", "class", "return"]));
    expect(first.querySelector("[data-marked]")).toHaveAttribute("data-line", "2");
  });
});
