// Response bodies. The API's routes return plain dicts, so the OpenAPI schema types requests
// (schema.d.ts, generated) but not responses: these mirror the backend's `to_dict` methods.

export interface ApiErrorBody {
  error: { code: string; message: string; request_id?: string | null; details?: unknown };
}

export interface Tokens {
  user_id: string;
  access_token: string;
  refresh_token: string;
  token_type?: string;
  expires_in?: number;
}

export interface QuotaLimits { repos: number | null; chunks: number | null; queries_per_day: number | null }
export interface QuotaUsed { repos: number; chunks: number; queries_today: number }
export interface Quota { limits: QuotaLimits; used: QuotaUsed }

export interface StoredToken { domain: string; kind: string; source: string; forge_user: string; created_at: string }

export interface Me {
  user_id: string;
  email: string;
  tier: string;
  quota: QuotaLimits;
  usage: QuotaUsed;
  tokens: StoredToken[];
}

export interface SavedToken { domain: string; kind: string; forge_user: string; saved: boolean }

export interface AvailableRepo {
  repo_url: string;
  path: string;
  default_branch: string;
  files: number;
  estimated_chunks: number;
  estimate_basis?: string;
  selected: boolean;
  indexed_commit: string | null;
}

export interface AvailableRepos {
  domain: string;
  page: number;
  per_page: number;
  has_more: boolean;
  repos: AvailableRepo[];
  quota: Quota;
}

export interface AccountRepo {
  id: number;
  repo_url: string;
  indexed: boolean;
  last_indexed_commit: string | null;
  ref: string | null;
  chunks: number;
}

export interface RecentQuery { query: string; mode: string; hits: number; at: string }
export interface UsageDay { day: string; queries: number; chunks_written: number; chunks_embedded: number; bytes_indexed: number }
export interface Usage { quota: Quota; days: UsageDay[]; recent_queries: RecentQuery[] }

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "skipped";

export interface JobRepo {
  position: number;
  repo_url: string;
  name: string;
  ref: string;
  status: JobStatus;
  phase: string;
  files_total: number;
  files_done: number;
  chunks: number;
  languages: Record<string, number>;
  commit: string | null;
  error: { code: string; message: string } | null;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
}

export interface Job {
  id: string;
  repo_url: string;
  ref: string;
  mode: string;
  status: JobStatus;
  phase: string;
  files_total: number;
  files_done: number;
  chunks: number;
  chunks_to_embed: number;
  chunks_embedded: number;
  eta_s: number | null;
  commit: string | null;
  error: { code: string; message: string } | null;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  total_repos: number;
  progress: {
    current_repo_index: number;
    current_repo_name: string;
    total_repos: number;
    files_processed: number;
    chunks_processed: number;
  };
  repos: JobRepo[];
  estimated_completion: string | null;
}

export interface SearchHit {
  repo_url: string;
  rel_path: string;
  start_line: number;
  end_line: number;
  match_start: number;
  match_end: number;
  symbol: string;
  kind: string;
  lang: string;
  score: number;
  commit: string;
  code: string;
  marks: number[];
  link: string;
  scores?: Record<string, number>;
}

export interface SearchResult { query: string; hits: SearchHit[]; reason: string | null; timings_ms?: Record<string, number> }

export type GraphWhat = "definitions" | "callers" | "callees";

export interface SymbolRef {
  repo_url: string;
  rel_path: string;
  start_line: number;
  end_line: number;
  symbol: string;
  kind: string;
  lang: string;
  commit: string;
  link: string;
  via: string;
}

export const FINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];
export const isFinal = (status: JobStatus | undefined): boolean =>
  status !== undefined && FINAL_STATUSES.includes(status);
