import { percentUsed } from "../lib/quota";

/** One quota as a labelled progress bar: `used / limit`. */
export function QuotaBar({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const pct = percentUsed(used, limit);
  const tone = pct >= 90 ? "bg-red-500" : pct >= 70 ? "bg-amber-500" : "bg-indigo-500";
  const text = limit === null ? `${used.toLocaleString("en")} (unlimited)`
    : `${used.toLocaleString("en")} / ${limit.toLocaleString("en")}`;
  return (
    <div className="flex flex-col gap-1">
      <div className="flex justify-between text-sm">
        <span className="font-medium">{label}</span>
        <span className="text-slate-600">{text}</span>
      </div>
      <div role="progressbar" aria-label={label} aria-valuemin={0}
        aria-valuemax={limit ?? undefined} aria-valuenow={used} aria-valuetext={text}
        className="h-2.5 overflow-hidden rounded-full bg-slate-200">
        <div className={`h-full ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
