import { create } from "zustand";
import type { SearchHit } from "../api/types";

// Client state of the search page: the filters being edited and the hit whose symbol panel
// is open. Server state (the results) lives in TanStack Query.

export interface SearchFilters {
  repo: string; // "" = every repo in scope
  lang: string; // "" = any language
}

interface SearchUiState {
  query: string;
  filters: SearchFilters;
  panelHit: SearchHit | null;
  setQuery: (query: string) => void;
  setFilter: (name: keyof SearchFilters, value: string) => void;
  openPanel: (hit: SearchHit) => void;
  closePanel: () => void;
  reset: () => void;
}

const initial = { query: "", filters: { repo: "", lang: "" }, panelHit: null };

export const useSearchUi = create<SearchUiState>()((set) => ({
  ...initial,
  setQuery: (query) => set({ query }),
  setFilter: (name, value) => set((s) => ({ filters: { ...s.filters, [name]: value } })),
  openPanel: (hit) => set({ panelHit: hit }),
  closePanel: () => set({ panelHit: null }),
  reset: () => set(initial),
}));
