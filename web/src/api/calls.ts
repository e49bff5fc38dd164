import { api, unwrap } from "./client";
import type {
  AccountRepo, AvailableRepos, GraphWhat, Job, Me, SavedToken, SearchResult, StoredToken,
  SymbolRef, Tokens, Usage,
} from "./types";

// Every call the UI makes, by operation id. Each returns the body or throws an ApiError.

export interface Scope {
  mode: "repo" | "list" | "my" | "region";
  repo_url?: string;
  repo_urls?: string[];
}

export interface SearchRequest extends Scope {
  query: string;
  top_k?: number;
  lang?: string[];
}

export const signup = async (email: string, password: string) =>
  unwrap<Tokens>(await api.POST("/auth/signup", { body: { email, password } }));

export const login = async (email: string, password: string) =>
  unwrap<Tokens>(await api.POST("/auth/login", { body: { email, password } }));

export const me = async () => unwrap<Me>(await api.GET("/auth/me"));

export const listTokens = async () =>
  unwrap<{ tokens: StoredToken[] }>(await api.GET("/auth/tokens")).tokens;

export async function saveToken(kind: "gitlab" | "github", token: string, domain: string) {
  const body = { token, domain: domain.trim() || null };
  const result = kind === "github"
    ? await api.POST("/auth/github-pat", { body })
    : await api.POST("/auth/gitlab-pat", { body });
  return unwrap<SavedToken>(result);
}

export const availableRepos = async (domain: string, page: number, perPage = 20) =>
  unwrap<AvailableRepos>(await api.GET("/repos/available", {
    params: { query: { domain, page, per_page: perPage } },
  }));

export const selectRepos = async (repoUrls: string[]) =>
  unwrap<{ job: Job }>(await api.POST("/repos/select", { body: { repo_urls: repoUrls } })).job;

export const listRepos = async () =>
  unwrap<{ repos: AccountRepo[] }>(await api.GET("/repos")).repos;

export const usage = async () => unwrap<Usage>(await api.GET("/usage"));

export const indexRepo = async (repoUrl: string, ref?: string) =>
  unwrap<{ job: Job }>(await api.POST("/index", {
    body: { repo_url: repoUrl.trim(), ref: ref?.trim() || null },
  })).job;

export const listJobs = async (limit = 20) =>
  unwrap<{ jobs: Job[] }>(await api.GET("/jobs", { params: { query: { limit } } })).jobs;

export const getJob = async (jobId: string) =>
  unwrap<{ job: Job }>(await api.GET("/jobs/{job_id}", {
    params: { path: { job_id: jobId } },
  })).job;

export const cancelJob = async (jobId: string) =>
  unwrap<{ job: Job }>(await api.POST("/jobs/{job_id}/cancel", {
    params: { path: { job_id: jobId } },
  })).job;

export const searchCode = async (request: SearchRequest) =>
  unwrap<SearchResult>(await api.POST("/search", { body: { top_k: 10, ...request } }));

export async function graphLookup(what: GraphWhat, name: string, scope: Scope) {
  const result = await api.POST("/graph/{what}", {
    params: { path: { what } },
    body: { name, ...scope },
  });
  const body = unwrap<Record<string, unknown>>(result);
  return (body[what] ?? []) as SymbolRef[];
}
