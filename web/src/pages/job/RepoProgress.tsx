import type { JobRepo } from "../../api/types";
import { Card, StatusBadge } from "../../components/ui";
import { duration, languageMix, shortSha } from "../../lib/format";

/** One repository of a job: state, files i/N, chunks, language mix, duration. */
export function RepoProgress({ repo }: { repo: JobRepo }) {
  const pct = repo.files_total ? Math.round((repo.files_done / repo.files_total) * 100)
    : repo.status === "completed" ? 100 : 0;
  const mix = languageMix(repo.languages);
  return (
    <Card>
      <div data-testid="job-repo" data-repo={repo.name} data-status={repo.status}>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 className="font-mono font-semibold">{repo.name}</h2>
          <StatusBadge status={repo.status} />
        </div>
        <div role="progressbar" aria-label={`files of ${repo.name}`} aria-valuemin={0}
          aria-valuemax={repo.files_total} aria-valuenow={repo.files_done}
          className="mt-3 h-2 overflow-hidden rounded-full bg-slate-200">
          <div className="h-full bg-indigo-500 transition-all" style={{ width: `${pct}%` }} />
        </div>
        <dl className="mt-3 grid grid-cols-2 gap-2 text-sm md:grid-cols-5">
          <div><dt className="text-slate-500">Files</dt><dd data-testid="files">{repo.files_done} / {repo.files_total}</dd></div>
          <div><dt className="text-slate-500">Chunks</dt><dd data-testid="chunks">{repo.chunks.toLocaleString("en")}</dd></div>
          <div><dt className="text-slate-500">Phase</dt><dd>{repo.phase}</dd></div>
          <div><dt className="text-slate-500">Duration</dt><dd>{duration(repo.duration_s)}</dd></div>
          <div><dt className="text-slate-500">Commit</dt><dd className="font-mono">{shortSha(repo.commit)}</dd></div>
        </dl>
        {mix.length > 0 && (
          <div className="mt-3">
            <p className="text-sm text-slate-500">Languages</p>
            <ul className="mt-1 flex flex-wrap gap-2 text-xs" aria-label={`languages of ${repo.name}`}>
              {mix.map(({ lang, pct: share }) => (
                <li key={lang} className="rounded bg-slate-100 px-2 py-0.5">{lang} {share > 0 ? `${share}%` : "<1%"}</li>
              ))}
            </ul>
          </div>
        )}
        {repo.error && <p role="alert" className="mt-2 text-sm text-red-800">{repo.error.message} ({repo.error.code})</p>}
      </div>
    </Card>
  );
}
