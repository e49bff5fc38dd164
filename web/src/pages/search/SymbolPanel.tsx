import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { graphLookup, type Scope } from "../../api/calls";
import type { GraphWhat, SearchHit } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { repoName } from "../../lib/format";

const TABS: { what: GraphWhat; label: string }[] = [
  { what: "callers", label: "Callers" },
  { what: "callees", label: "Callees" },
  { what: "definitions", label: "Definition" },
];

/** Who calls a hit's symbol, what it calls, and where it is defined (a tablist). */
export function SymbolPanel({ hit, scope, onClose }: { hit: SearchHit; scope: Scope; onClose: () => void }) {
  const [what, setWhat] = useState<GraphWhat>("callers");
  const closeRef = useRef<HTMLButtonElement>(null);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const name = hit.symbol;
  const refs = useQuery({
    queryKey: ["graph", what, name, scope],
    queryFn: () => graphLookup(what, name, scope),
  });
  useEffect(() => closeRef.current?.focus(), [hit]);

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (index + step + TABS.length) % TABS.length;
    setWhat(TABS[next].what);
    tabRefs.current[next]?.focus();
  };

  return (
    <aside aria-label={`Symbol ${name}`} onKeyDown={(e) => e.key === "Escape" && onClose()}
      className="sticky top-4 flex max-h-[calc(100vh-2rem)] flex-col gap-3 overflow-y-auto rounded-lg border border-indigo-200 bg-white p-4 shadow">
      <div className="flex items-start justify-between gap-2">
        <h2 className="font-semibold">Symbol <code className="text-indigo-800">{name}</code></h2>
        <button ref={closeRef} type="button" onClick={onClose} aria-label="Close symbol panel"
          className="rounded px-2 text-slate-600 hover:bg-slate-100">✕</button>
      </div>
      <div role="tablist" aria-label="Symbol relations" className="flex gap-1">
        {TABS.map((tab, i) => (
          <button key={tab.what} ref={(el) => { tabRefs.current[i] = el; }} role="tab" type="button"
            id={`tab-${tab.what}`} aria-selected={what === tab.what} aria-controls="symbol-tabpanel"
            tabIndex={what === tab.what ? 0 : -1} onKeyDown={(e) => onTabKey(e, i)} onClick={() => setWhat(tab.what)}
            className={`rounded px-3 py-1 text-sm ${what === tab.what ? "bg-indigo-600 text-white" : "bg-slate-100 hover:bg-slate-200"}`}>
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="symbol-tabpanel" aria-labelledby={`tab-${what}`} aria-busy={refs.isPending}>
        <ErrorBox error={refs.error} />
        {refs.isPending && <p className="text-sm text-slate-500">Looking up {what}…</p>}
        {refs.data && refs.data.length === 0 && (
          <p className="text-sm text-slate-600">No {what} of {name} in the indexed repositories.</p>
        )}
        <ul className="flex flex-col gap-2" data-testid="symbol-refs">
          {(refs.data ?? []).map((ref) => (
            <li key={`${ref.repo_url}|${ref.rel_path}|${ref.start_line}|${ref.symbol}`} className="rounded border border-slate-200 p-2 text-sm">
              <p><code className="font-semibold">{ref.symbol}</code> <span className="text-slate-500">{ref.kind} · {ref.lang}</span></p>
              <a href={ref.link} target="_blank" rel="noreferrer noopener" className="font-mono text-xs text-indigo-700 underline">
                {repoName(ref.repo_url)} · {ref.rel_path}:{ref.start_line}-{ref.end_line}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </aside>
  );
}
