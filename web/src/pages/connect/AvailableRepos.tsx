import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { availableRepos, selectRepos } from "../../api/calls";
import type { AvailableRepo } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Button, Card } from "../../components/ui";
import { shortSha } from "../../lib/format";
import { SelectionSummary } from "./SelectionSummary";

/** The repos a stored token reads, with sizes, to pick and start one job for. */
export function AvailableRepos({ domain }: { domain: string }) {
  const [page, setPage] = useState(1);
  const [picked, setPicked] = useState<Map<string, AvailableRepo>>(new Map());
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery({
    queryKey: ["available", domain, page],
    queryFn: () => availableRepos(domain, page),
  });
  const start = useMutation({
    mutationFn: () => selectRepos([...picked.keys()]),
    onSuccess: (job) => {
      queryClient.invalidateQueries({ queryKey: ["jobs"] });
      navigate(`/jobs/${job.id}`);
    },
  });
  const toggle = (repo: AvailableRepo) =>
    setPicked((old) => {
      const next = new Map(old);
      if (next.has(repo.repo_url)) next.delete(repo.repo_url);
      else next.set(repo.repo_url, repo);
      return next;
    });
  const data = list.data;
  return (
    <Card title={`Repositories on ${domain}`}>
      <ErrorBox error={list.error} title="Could not list repositories" />
      {list.isPending && <p className="text-sm text-slate-500">Asking {domain} which repositories the token reads…</p>}
      {data && (
        <>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Repositories the token reads; select the ones to index</caption>
            <thead className="text-slate-500"><tr>
              <th className="w-10 py-1"><span className="sr-only">Select</span></th>
              <th>Repository</th><th>Branch</th><th className="text-right">Files</th>
              <th className="text-right">Estimated chunks</th><th className="pl-4">Indexed</th>
            </tr></thead>
            <tbody>
              {data.repos.map((repo) => (
                <tr key={repo.repo_url} className="border-t border-slate-100">
                  <td className="py-2">
                    <input type="checkbox" id={`pick-${repo.path}`} className="h-4 w-4"
                      checked={picked.has(repo.repo_url)} onChange={() => toggle(repo)} />
                  </td>
                  <td><label htmlFor={`pick-${repo.path}`} className="font-mono">{repo.path}</label></td>
                  <td>{repo.default_branch}</td>
                  <td className="text-right">{repo.files.toLocaleString("en")}</td>
                  <td className="text-right">{repo.estimated_chunks.toLocaleString("en")}</td>
                  <td className="pl-4 font-mono text-xs">{repo.selected ? shortSha(repo.indexed_commit) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.repos.length === 0 && <p className="mt-2 text-sm text-slate-600">This token reads no repositories.</p>}
          <div className="mt-3 flex gap-2">
            <Button variant="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous page</Button>
            <Button variant="secondary" disabled={!data.has_more} onClick={() => setPage(page + 1)}>Next page</Button>
          </div>
          <SelectionSummary quota={data.quota} selected={[...picked.values()]}
            starting={start.isPending} onStart={() => start.mutate()} />
          <div className="mt-3"><ErrorBox error={start.error} title="The job was not started" /></div>
        </>
      )}
    </Card>
  );
}
