import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { cancelJob } from "../api/calls";
import { isFinal } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { Button, Card, StatusBadge } from "../components/ui";
import { duration, when } from "../lib/format";
import { RepoProgress } from "./job/RepoProgress";
import { useJobStream } from "./job/useJobStream";

/** One ingestion job, live over SSE: per repo state, counts, languages, duration; ETA; cancel. */
export function JobProgress() {
  const { jobId = "" } = useParams();
  const { job, error, live } = useJobStream(jobId);
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelJob(jobId),
    onSuccess: (updated) => queryClient.setQueryData(["job", jobId], updated),
  });
  const done = job ? job.repos.filter((r) => r.status === "completed").length : 0;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Indexing progress</h1>
        <span className="text-sm text-slate-500" aria-live="polite" data-testid="stream-state">
          {live ? "● live" : job && isFinal(job.status) ? "finished" : "connecting…"}
        </span>
      </div>
      <ErrorBox error={error} />
      {job && (
        <>
          <Card>
            <div className="flex flex-wrap items-center gap-x-8 gap-y-2 text-sm">
              <p>Status: <span data-testid="job-status"><StatusBadge status={job.status} /></span></p>
              <p>Repositories done: <strong data-testid="repos-done">{done} / {job.total_repos}</strong></p>
              <p>Phase: <strong>{job.phase}</strong></p>
              <p>Chunks: <strong>{job.chunks.toLocaleString("en")}</strong></p>
              {job.chunks_to_embed > 0 && (
                <p>Embedded: <strong>{job.chunks_embedded.toLocaleString("en")} / {job.chunks_to_embed.toLocaleString("en")}</strong></p>
              )}
              <p>ETA: <strong data-testid="eta">{job.status !== "running" ? "—"
                : job.eta_s === null ? "estimating…" : duration(job.eta_s)}</strong></p>
              <p>Started: {when(job.started_at)}</p>
            </div>
            {job.error && <p role="alert" className="mt-2 text-sm text-red-800">{job.error.message} ({job.error.code})</p>}
            <div className="mt-4 flex flex-wrap gap-3">
              <Button variant="danger" disabled={isFinal(job.status) || cancel.isPending || job.status === "cancelled"}
                onClick={() => cancel.mutate()}>
                {cancel.isPending ? "Cancelling…" : "Cancel job"}
              </Button>
              {job.status === "completed" && (
                <Link to="/search" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">Search these repositories</Link>
              )}
            </div>
            <div className="mt-2"><ErrorBox error={cancel.error} title="Could not cancel" /></div>
          </Card>
          <div className="flex flex-col gap-3">
            {job.repos.map((repo) => <RepoProgress key={repo.position} repo={repo} />)}
          </div>
        </>
      )}
    </div>
  );
}
