/** `1m 05s`, `12s`, `1h 02m`; an em dash for unknown. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Languages by share of chunks, largest first: `python 62%, go 25%, markdown 13%`. */
export function languageMix(languages: Record<string, number>): { lang: string; pct: number }[] {
  const total = Object.values(languages).reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  return Object.entries(languages)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([lang, n]) => ({ lang, pct: Math.round((n / total) * 100) }));
}

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 10) : "—");

/** `emea/team-a/svc` of `http://host/emea/team-a/svc(.git)`. */
export function repoName(url: string): string {
  try {
    return new URL(url).pathname.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "") || url;
  } catch {
    return url;
  }
}

export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
