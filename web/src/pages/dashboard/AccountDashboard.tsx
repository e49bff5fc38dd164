import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { listJobs, listRepos, usage } from "../../api/calls";
import type { AccountRepo, Job } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { QuotaBar } from "../../components/QuotaBar";
import { Card, StatusBadge } from "../../components/ui";
import { repoName, shortSha, when } from "../../lib/format";
import { JobsTable } from "./JobsTable";

/** The state of a repo: its newest job's state for it, else indexed or waiting. */
export function repoStatus(repo: AccountRepo, jobs: Job[]): string {
  for (const job of jobs) {
    const mine = job.repos.find((r) => r.repo_url === repo.repo_url);
    if (mine && (mine.status === "running" || mine.status === "queued" || mine.status === "failed")) {
      return mine.status;
    }
    if (mine) break;
  }
  return repo.indexed ? "indexed" : "waiting";
}

export function AccountDashboard() {
  const usageQuery = useQuery({ queryKey: ["usage"], queryFn: usage });
  const reposQuery = useQuery({ queryKey: ["repos"], queryFn: listRepos });
  const jobsQuery = useQuery({ queryKey: ["jobs"], queryFn: () => listJobs(10) });
  const quota = usageQuery.data?.quota;
  const jobs = jobsQuery.data ?? [];
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Dashboard</h1>
        <div className="flex gap-2">
          <Link to="/connect" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-100">Connect repos</Link>
          <Link to="/search" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">Search</Link>
        </div>
      </div>
      <ErrorBox error={usageQuery.error ?? reposQuery.error ?? jobsQuery.error} />
      <Card title="Quota">
        {quota ? (
          <div className="grid gap-4 md:grid-cols-3">
            <QuotaBar label="Repositories" used={quota.used.repos} limit={quota.limits.repos} />
            <QuotaBar label="Chunks" used={quota.used.chunks} limit={quota.limits.chunks} />
            <QuotaBar label="Queries today" used={quota.used.queries_today} limit={quota.limits.queries_per_day} />
          </div>
        ) : <p className="text-sm text-slate-500">Loading…</p>}
      </Card>
      <Card title="Connected repositories">
        {reposQuery.data && reposQuery.data.length === 0 ? (
          <p className="text-sm text-slate-600">No repositories yet. <Link className="text-indigo-700 underline" to="/connect">Connect some</Link>.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-slate-500"><tr>
              <th className="py-1">Repository</th><th>Status</th><th>Last indexed commit</th><th className="text-right">Chunks</th>
            </tr></thead>
            <tbody>
              {(reposQuery.data ?? []).map((repo) => (
                <tr key={repo.id} className="border-t border-slate-100">
                  <td className="py-2 font-mono">{repoName(repo.repo_url)}</td>
                  <td><StatusBadge status={repoStatus(repo, jobs)} /></td>
                  <td className="font-mono" title={repo.last_indexed_commit ?? undefined}>{shortSha(repo.last_indexed_commit)}{repo.ref ? ` (${repo.ref})` : ""}</td>
                  <td className="text-right">{repo.chunks.toLocaleString("en")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <div className="grid gap-6 md:grid-cols-2">
        <Card title="Recent queries">
          {usageQuery.data?.recent_queries.length ? (
            <ul className="divide-y divide-slate-100 text-sm">
              {usageQuery.data.recent_queries.map((q) => (
                <li key={`${q.at}-${q.query}`} className="flex justify-between gap-2 py-2">
                  <Link className="text-indigo-700 underline" to={`/search?q=${encodeURIComponent(q.query)}`}>{q.query}</Link>
                  <span className="shrink-0 text-slate-500">{q.hits} hits · {when(q.at)}</span>
                </li>
              ))}
            </ul>
          ) : <p className="text-sm text-slate-600">No queries yet.</p>}
        </Card>
        <Card title="Recent index jobs">
          <JobsTable jobs={jobs} />
        </Card>
      </div>
    </div>
  );
}
