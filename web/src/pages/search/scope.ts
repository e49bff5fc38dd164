import type { Scope } from "../../api/calls";
import { isRegionKey, type Session } from "../../state/session";

/** The search scope of a session and a repo filter ("" = every repo the caller may read). */
export function scopeOf(session: Session | null, repo: string): Scope {
  if (repo) return { mode: "repo", repo_url: repo };
  return { mode: isRegionKey(session) ? "region" : "my" };
}
