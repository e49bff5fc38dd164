import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { indexRepo, listJobs } from "../../api/calls";
import { ErrorBox } from "../../components/ErrorBox";
import { Button, Card, Field } from "../../components/ui";
import { useSession } from "../../state/session";
import { JobsTable } from "./JobsTable";

/** Workspace mode: the team's jobs, and a form to index a repository of the forge. */
export function WorkspaceDashboard() {
  const session = useSession((s) => s.session);
  const navigate = useNavigate();
  const [repoUrl, setRepoUrl] = useState("");
  const [ref, setRef] = useState("");
  const queryClient = useQueryClient();
  const jobs = useQuery({ queryKey: ["jobs"], queryFn: () => listJobs(20) });
  const start = useMutation({
    mutationFn: () => indexRepo(repoUrl, ref),
    onSuccess: (job) => {
      queryClient.invalidateQueries({ queryKey: ["jobs"] });
      navigate(`/jobs/${job.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  const key = session?.kind === "workspace" ? session.tenantKey : "";
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Workspace <span className="font-mono text-lg">{key}</span></h1>
        <Link to="/search" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">Search</Link>
      </div>
      <Card title="Index a repository">
        <form onSubmit={submit} className="grid gap-4 md:grid-cols-[1fr_12rem_auto] md:items-end" aria-label="Index a repository">
          <Field id="repo-url" label="Repository URL" required spellCheck={false}
            placeholder={`http://${session?.kind === "workspace" ? session.domain : "gitlab.example.com"}/…/svc.git`}
            value={repoUrl} onChange={(e) => setRepoUrl(e.target.value)} />
          <Field id="ref" label="Branch, tag or commit" placeholder="default branch"
            value={ref} onChange={(e) => setRef(e.target.value)} />
          <Button type="submit" disabled={start.isPending}>Index</Button>
        </form>
        <div className="mt-3"><ErrorBox error={start.error} title="Could not start indexing" /></div>
      </Card>
      <Card title="Index jobs">
        <ErrorBox error={jobs.error} />
        <JobsTable jobs={jobs.data ?? []} />
      </Card>
    </div>
  );
}
