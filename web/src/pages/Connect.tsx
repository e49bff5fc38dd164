import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { listTokens } from "../api/calls";
import { ErrorBox } from "../components/ErrorBox";
import { AvailableRepos } from "./connect/AvailableRepos";
import { TokenForm } from "./connect/TokenForm";

/** Account mode: save a forge token, then pick repositories to index. */
export function Connect() {
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: listTokens });
  const [chosen, setChosen] = useState<string | null>(null);
  const domain = chosen ?? tokens.data?.[0]?.domain ?? null;
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Connect repositories</h1>
      <ErrorBox error={tokens.error} />
      <TokenForm tokens={tokens.data ?? []} onSaved={setChosen} />
      {tokens.data && tokens.data.length > 1 && (
        <div className="flex items-center gap-2">
          <label htmlFor="forge-domain" className="text-sm font-medium">Forge</label>
          <select id="forge-domain" value={domain ?? ""} onChange={(e) => setChosen(e.target.value)}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
            {tokens.data.map((t) => <option key={t.domain} value={t.domain}>{t.domain} ({t.forge_user})</option>)}
          </select>
        </div>
      )}
      {domain && <AvailableRepos key={domain} domain={domain} />}
    </div>
  );
}
