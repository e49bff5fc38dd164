import { Link } from "react-router-dom";
import type { Job } from "../../api/types";
import { StatusBadge } from "../../components/ui";
import { repoName, when } from "../../lib/format";

export function JobsTable({ jobs }: { jobs: Job[] }) {
  if (jobs.length === 0) return <p className="text-sm text-slate-600">No index jobs yet.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {jobs.map((job) => (
        <li key={job.id} className="flex items-center justify-between gap-2 py-2">
          <Link className="text-indigo-700 underline" to={`/jobs/${job.id}`}>
            {job.repos.length > 1 ? `${job.repos.length} repositories` : repoName(job.repo_url)}
          </Link>
          <span className="flex items-center gap-2 text-slate-500">
            <StatusBadge status={job.status} /> {when(job.created_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}
