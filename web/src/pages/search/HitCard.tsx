import { forwardRef, type KeyboardEvent } from "react";
import type { SearchHit } from "../../api/types";
import { CodeBlock } from "../../components/CodeBlock";
import { repoName } from "../../lib/format";

export const hitId = (hit: SearchHit) => `${hit.repo_url}|${hit.rel_path}|${hit.start_line}`;

/** One result: where it is, what symbol, how similar, the code with matched lines marked. */
export const HitCard = forwardRef<HTMLElement, {
  hit: SearchHit; index: number; onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
  onSymbol: (hit: SearchHit) => void;
}>(function HitCard({ hit, index, onKeyDown, onSymbol }, ref) {
  const place = `${hit.rel_path}:${hit.start_line}-${hit.end_line}`;
  const headingId = `hit-${index}-heading`;
  return (
    <article ref={ref} tabIndex={0} onKeyDown={onKeyDown} aria-labelledby={headingId} data-testid="hit" data-hit-id={hitId(hit)}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <header className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={headingId} className="font-mono text-sm">
          <span className="text-slate-500">{repoName(hit.repo_url)} · </span>
          <span className="font-semibold" data-testid="hit-place">{place}</span>
        </h3>
        <span className="text-xs text-slate-600" data-testid="similarity" title="score">
          similarity {hit.score.toFixed(2)}
        </span>
      </header>
      <p className="mb-2 flex flex-wrap items-center gap-2 text-sm">
        {hit.symbol && <code className="rounded bg-indigo-50 px-1.5 py-0.5 text-indigo-900" data-testid="hit-symbol">{hit.symbol}</code>}
        <span className="text-slate-500">{hit.kind} · {hit.lang}</span>
      </p>
      <CodeBlock code={hit.code} lang={hit.lang} startLine={hit.start_line} marks={hit.marks} />
      <div className="mt-3 flex flex-wrap gap-3 text-sm">
        <a href={hit.link} target="_blank" rel="noreferrer noopener" className="text-indigo-700 underline">
          Open {place} on the forge<span className="sr-only"> (new tab)</span>
        </a>
        {hit.symbol && (
          <button type="button" onClick={() => onSymbol(hit)}
            className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100">
            Callers, callees and definition of {hit.symbol}
          </button>
        )}
      </div>
    </article>
  );
});
