import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useSearchParams } from "react-router-dom";
import { searchCode } from "../api/calls";
import { ErrorBox } from "../components/ErrorBox";
import { useSearchUi } from "../state/search";
import { useSession } from "../state/session";
import { hitId } from "./search/HitCard";
import { Results } from "./search/Results";
import { SearchForm } from "./search/SearchForm";
import { SymbolPanel } from "./search/SymbolPanel";
import { scopeOf } from "./search/scope";
import { useRepoOptions } from "./search/useRepoOptions";

/** Search: query and filters, highlighted hits, and a symbol's callers/callees/definition. */
export function Search() {
  const session = useSession((s) => s.session);
  const { query, filters, panelHit, setQuery, openPanel, closePanel } = useSearchUi();
  const repos = useRepoOptions();
  const queryClient = useQueryClient();
  const queryRef = useRef<HTMLInputElement>(null);
  const [params, setParams] = useSearchParams();
  const scope = scopeOf(session, filters.repo);

  const search = useMutation({
    mutationFn: (text: string) => searchCode({
      query: text, ...scope, lang: filters.lang ? [filters.lang] : undefined,
    }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["usage"] }),
    onMutate: () => closePanel(),
  });

  const closeAndReturn = () => { // focus goes back to the hit the panel was opened from
    const id = panelHit ? hitId(panelHit) : null;
    closePanel();
    const card = [...document.querySelectorAll<HTMLElement>("[data-hit-id]")]
      .find((el) => el.dataset.hitId === id);
    card?.focus();
  };

  useEffect(() => { // a recent query linked from the dashboard: ?q=…
    const q = params.get("q");
    if (q) {
      setQuery(q);
      setParams({}, { replace: true });
      search.mutate(q);
    }
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => { // "/" focuses the query box
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== "/" || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      event.preventDefault();
      queryRef.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Search code</h1>
      <SearchForm ref={queryRef} repos={repos} busy={search.isPending} onSearch={() => search.mutate(query.trim())} />
      <ErrorBox error={search.error} title="The query was refused" />
      <div className={panelHit ? "grid gap-6 lg:grid-cols-[1fr_22rem]" : ""}>
        <div>{search.data && <Results result={search.data} onSymbol={openPanel} />}</div>
        {panelHit && <SymbolPanel hit={panelHit} scope={scopeOf(session, "")} onClose={closeAndReturn} />}
      </div>
    </div>
  );
}
