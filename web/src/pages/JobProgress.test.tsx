import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSession } from "../state/session";
import { json, mockApi, sse } from "../test/api";
import { job, jobRepo } from "../test/fixtures";
import { renderApp } from "../test/render";

const done = job({
  status: "completed", phase: "done", eta_s: null,
  repos: [
    jobRepo({ status: "completed", phase: "done", files_done: 5, chunks: 11, duration_s: 7.6, commit: "2696c5f204cd" }),
    jobRepo({ position: 1, name: "emea/team-a/billing", repo_url: "http://forge.test/emea/team-a/billing", status: "completed", phase: "done", files_total: 2, files_done: 2, chunks: 2, languages: { python: 1, markdown: 1 }, duration_s: 0.2 }),
  ],
});

describe("ingestion progress", () => {
  it("follows the job over SSE with the session's headers until done", async () => {
    const api = mockApi({
      "GET /jobs/job1": json(200, { job: job() }),
      "GET /jobs/job1/events": { stream: [sse("progress", job(), "1"), sse("progress", done, "2"), sse("done", done, "2")] },
    });
    useSession.getState().signInWorkspace("forge.test//emea/team-a", "tok-a");
    renderApp("/jobs/job1");
    const repos = await screen.findAllByTestId("job-repo");
    expect(repos).toHaveLength(2);
    await waitFor(() => expect(screen.getByTestId("repos-done")).toHaveTextContent("2 / 2"));
    expect(screen.getByTestId("stream-state")).toHaveTextContent("finished");
    const svc = screen.getAllByTestId("job-repo")[0];
    expect(svc).toHaveAttribute("data-status", "completed");
    expect(within(svc).getByTestId("files")).toHaveTextContent("5 / 5");
    expect(within(svc).getByTestId("chunks")).toHaveTextContent("11");
    expect(within(svc).getByRole("list", { name: "languages of emea/team-a/svc" })).toHaveTextContent("python 60%");
    expect(svc).toHaveTextContent("7.6s");
    expect(screen.getByRole("button", { name: "Cancel job" })).toBeDisabled();
    const stream = api.find("GET", "/jobs/job1/events")[0];
    expect(stream.headers.get("x-git-identity")).toBe("domain=forge.test,token=tok-a");
    expect(stream.search).toBe("");
  });

  it("shows a running job's ETA and cancels it", async () => {
    const cancelled = job({ status: "cancelled", eta_s: null });
    const api = mockApi({
      "GET /jobs/job1": json(200, { job: job() }),
      "GET /jobs/job1/events": { stream: [sse("progress", job(), "1")] }, // stays open (retries)
      "POST /jobs/job1/cancel": json(202, { job: cancelled }),
    });
    useSession.getState().signInAccount("d@example.com", "acc", "ref");
    const { user } = renderApp("/jobs/job1");
    expect(await screen.findByTestId("eta")).toHaveTextContent("42s");
    const first = screen.getAllByTestId("job-repo")[0];
    expect(within(first).getByTestId("files")).toHaveTextContent("2 / 5");
    expect(screen.getAllByTestId("job-repo")[1]).toHaveAttribute("data-status", "queued");
    await user.click(screen.getByRole("button", { name: "Cancel job" }));
    expect(await screen.findByText("cancelled", { selector: "[data-testid=job-status] *" })).toBeInTheDocument();
    expect(api.find("POST", "/jobs/job1/cancel")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Cancel job" })).toBeDisabled();
  });
});
