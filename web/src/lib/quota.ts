import type { AvailableRepo, Quota } from "../api/types";

export interface SelectionCheck {
  newRepos: number;
  estimatedChunks: number;
  reposAfter: number;
  chunksAfter: number;
  problems: string[];
}

/** What starting a job for `selected` would use, checked against the quota before asking. */
export function checkSelection(quota: Quota, selected: AvailableRepo[]): SelectionCheck {
  const fresh = selected.filter((r) => !r.selected);
  const estimatedChunks = selected.reduce((sum, r) => sum + r.estimated_chunks, 0);
  const reposAfter = quota.used.repos + fresh.length;
  const chunksAfter = quota.used.chunks + estimatedChunks;
  const problems: string[] = [];
  const { repos, chunks } = quota.limits;
  if (repos !== null && reposAfter > repos) {
    problems.push(`${reposAfter} repositories would pass your quota of ${repos}` +
      ` (${quota.used.repos} used): select ${reposAfter - repos} fewer`);
  }
  if (chunks !== null && chunksAfter > chunks) {
    problems.push(`about ${chunksAfter.toLocaleString("en")} chunks would pass your quota of ` +
      `${chunks.toLocaleString("en")} (${quota.used.chunks.toLocaleString("en")} used)`);
  }
  return { newRepos: fresh.length, estimatedChunks, reposAfter, chunksAfter, problems };
}

/** The share of a limit used, 0..100 (0 for an unlimited quota). */
export function percentUsed(used: number, limit: number | null): number {
  if (limit === null || limit <= 0) return 0;
  return Math.min(100, Math.round((used / limit) * 100));
}
