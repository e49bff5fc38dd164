import { useRef, type KeyboardEvent } from "react";
import type { SearchHit, SearchResult } from "../../api/types";
import { HitCard, hitId } from "./HitCard";

const NEXT = new Set(["ArrowDown", "j"]);
const PREVIOUS = new Set(["ArrowUp", "k"]);

/** The hits (ArrowUp/ArrowDown or j/k move between them), or why there are none. */
export function Results({ result, onSymbol }: { result: SearchResult; onSymbol: (hit: SearchHit) => void }) {
  const cards = useRef<(HTMLElement | null)[]>([]);
  const move = (event: KeyboardEvent<HTMLElement>, index: number) => {
    if (event.target !== event.currentTarget) return; // keys inside a card's own controls
    const step = NEXT.has(event.key) ? 1 : PREVIOUS.has(event.key) ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    cards.current[Math.max(0, Math.min(result.hits.length - 1, index + step))]?.focus();
  };
  if (result.hits.length === 0) {
    return (
      <div role="status" data-testid="no-hits" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
        <p className="font-semibold">No results for “{result.query}”.</p>
        {result.reason && <p className="mt-1 text-sm text-amber-900">{result.reason}</p>}
      </div>
    );
  }
  return (
    <section aria-label="Search results">
      <p role="status" className="mb-3 text-sm text-slate-600">
        {result.hits.length} result{result.hits.length === 1 ? "" : "s"} for “{result.query}”
        {result.timings_ms?.total !== undefined && ` in ${Math.round(result.timings_ms.total)} ms`}
        <span className="sr-only">. Use the arrow keys to move between results.</span>
      </p>
      <ol className="flex flex-col gap-4">
        {result.hits.map((hit, i) => (
          <li key={hitId(hit)}>
            <HitCard ref={(el) => { cards.current[i] = el; }} hit={hit} index={i}
              onKeyDown={(e) => move(e, i)} onSymbol={onSymbol} />
          </li>
        ))}
      </ol>
    </section>
  );
}
