import { forwardRef, type FormEvent } from "react";
import { Button } from "../../components/ui";
import { repoName } from "../../lib/format";
import { SEARCH_LANGUAGES } from "../../lib/languages";
import { useSearchUi } from "../../state/search";

const selectLook = "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";

/** The query box and the repo and language filters. */
export const SearchForm = forwardRef<HTMLInputElement, {
  repos: string[]; busy: boolean; onSearch: () => void;
}>(function SearchForm({ repos, busy, onSearch }, queryRef) {
  const { query, filters, setQuery, setFilter } = useSearchUi();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (query.trim()) onSearch();
  };
  return (
    <form role="search" onSubmit={submit} aria-label="Code search"
      className="grid gap-3 md:grid-cols-[1fr_14rem_10rem_auto] md:items-end">
      <div className="flex flex-col gap-1">
        <label htmlFor="query" className="text-sm font-medium text-slate-700">
          Search query <span className="font-normal text-slate-500">(press / to focus)</span>
        </label>
        <input id="query" ref={queryRef} type="search" value={query} required maxLength={2000}
          placeholder="where is the jwt signature checked" onChange={(e) => setQuery(e.target.value)}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm" />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="repo-filter" className="text-sm font-medium text-slate-700">Repository</label>
        <select id="repo-filter" className={selectLook} value={filters.repo} onChange={(e) => setFilter("repo", e.target.value)}>
          <option value="">All repositories</option>
          {repos.map((url) => <option key={url} value={url}>{repoName(url)}</option>)}
        </select>
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="lang-filter" className="text-sm font-medium text-slate-700">Language</label>
        <select id="lang-filter" className={selectLook} value={filters.lang} onChange={(e) => setFilter("lang", e.target.value)}>
          <option value="">Any language</option>
          {SEARCH_LANGUAGES.map((lang) => <option key={lang} value={lang}>{lang}</option>)}
        </select>
      </div>
      <Button type="submit" disabled={busy || !query.trim()}>{busy ? "Searching…" : "Search"}</Button>
    </form>
  );
});
