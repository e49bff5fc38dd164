import { useQuery } from "@tanstack/react-query";
import { listJobs, listRepos } from "../../api/calls";
import { useSession } from "../../state/session";

/** The repos the search filter offers: an account's indexed repos, or a workspace's
 * repos with a completed run among its recent jobs. */
export function useRepoOptions(): string[] {
  const kind = useSession((s) => s.session?.kind);
  const repos = useQuery({ queryKey: ["repos"], queryFn: listRepos, enabled: kind === "account" });
  const jobs = useQuery({ queryKey: ["jobs"], queryFn: () => listJobs(50), enabled: kind === "workspace" });
  if (kind === "account") return (repos.data ?? []).filter((r) => r.indexed).map((r) => r.repo_url);
  const urls = new Set<string>();
  for (const job of jobs.data ?? []) {
    for (const repo of job.repos) if (repo.status === "completed") urls.add(repo.repo_url);
  }
  return [...urls].sort();
}
