import type { AvailableRepo, Quota } from "../../api/types";
import { Button } from "../../components/ui";
import { checkSelection } from "../../lib/quota";

const limitText = (n: number | null) => (n === null ? "unlimited" : n.toLocaleString("en"));

/** What the selection would use against the quota, and the button that starts its job. */
export function SelectionSummary({ quota, selected, starting, onStart }:
  { quota: Quota; selected: AvailableRepo[]; starting: boolean; onStart: () => void }) {
  const check = checkSelection(quota, selected);
  const blocked = selected.length === 0 || check.problems.length > 0;
  return (
    <section aria-labelledby="selection-heading" className="mt-5 rounded-md border border-slate-200 bg-slate-50 p-4">
      <h3 id="selection-heading" className="font-semibold">Your selection</h3>
      <p className="mt-1 text-sm" data-testid="selection-summary">
        {selected.length} selected · about {check.estimatedChunks.toLocaleString("en")} chunks ·
        repositories after: {check.reposAfter} of {limitText(quota.limits.repos)} ·
        chunks after: about {check.chunksAfter.toLocaleString("en")} of {limitText(quota.limits.chunks)}
      </p>
      {check.problems.length > 0 && (
        <ul role="alert" className="mt-2 list-disc pl-5 text-sm text-red-800">
          {check.problems.map((p) => <li key={p}>{p}</li>)}
        </ul>
      )}
      <Button className="mt-3" disabled={blocked || starting} onClick={onStart}>
        {starting ? "Starting…" : `Index ${selected.length} selected`}
      </Button>
    </section>
  );
}
