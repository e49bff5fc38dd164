import type { AvailableRepos, Job, JobRepo, SearchHit, SearchResult } from "../api/types";

export const QUOTA = { limits: { repos: 10, chunks: 50000, queries_per_day: 100 }, used: { repos: 0, chunks: 0, queries_today: 0 } };

export function available(overrides: Partial<AvailableRepos> = {}): AvailableRepos {
  return {
    domain: "forge.test", page: 1, per_page: 20, has_more: false, quota: QUOTA,
    repos: [
      { repo_url: "http://forge.test/emea/team-a/billing", path: "emea/team-a/billing", default_branch: "main", files: 2, estimated_chunks: 20, selected: false, indexed_commit: null },
      { repo_url: "http://forge.test/emea/team-a/svc", path: "emea/team-a/svc", default_branch: "main", files: 5, estimated_chunks: 50, selected: false, indexed_commit: null },
    ],
    ...overrides,
  };
}

export function jobRepo(overrides: Partial<JobRepo> = {}): JobRepo {
  return {
    position: 0, repo_url: "http://forge.test/emea/team-a/svc", name: "emea/team-a/svc", ref: "main",
    status: "running", phase: "parse", files_total: 5, files_done: 2, chunks: 7,
    languages: { python: 6, go: 3, markdown: 1 }, commit: null, error: null,
    started_at: "2026-01-01T00:00:00+00:00", finished_at: null, duration_s: 3.2, ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  const repos = overrides.repos ?? [jobRepo(), jobRepo({ position: 1, name: "emea/team-a/billing", repo_url: "http://forge.test/emea/team-a/billing", status: "queued", phase: "queued", files_total: 0, files_done: 0, chunks: 0, languages: {}, duration_s: null })];
  return {
    id: "job1", repo_url: repos[0].repo_url, ref: "main", mode: "incremental", status: "running",
    phase: "parse", files_total: 5, files_done: 2, chunks: 7, chunks_to_embed: 0, chunks_embedded: 0,
    eta_s: 42, commit: null, error: null, created_at: "2026-01-01T00:00:00+00:00",
    started_at: "2026-01-01T00:00:00+00:00", finished_at: null, total_repos: repos.length,
    progress: { current_repo_index: 0, current_repo_name: repos[0].name, total_repos: repos.length, files_processed: 2, chunks_processed: 7 },
    repos, estimated_completion: null, ...overrides,
  };
}

export function hit(overrides: Partial<SearchHit> = {}): SearchHit {
  return {
    repo_url: "http://forge.test/emea/team-a/svc", rel_path: "auth/jwt.py", start_line: 14, end_line: 17,
    match_start: 14, match_end: 17, symbol: "validate_jwt", kind: "function", lang: "python", score: 0.684751,
    commit: "2696c5f204cd4e21e3b97ad46bf0f45bebbdd1cd",
    code: 'def validate_jwt(token: str) -> dict:\n    """Verify the signature."""\n    header, payload, signature = token.split(".")\n    return {}',
    marks: [14, 16],
    link: "http://forge.test/emea/team-a/svc/-/blob/2696c5f/auth/jwt.py#L14-17", ...overrides,
  };
}

export const result = (hits: SearchHit[], reason: string | null = null): SearchResult =>
  ({ query: "jwt signature", hits, reason, timings_ms: { total: 12 } });
