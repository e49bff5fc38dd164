import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { saveToken } from "../../api/calls";
import type { StoredToken } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Button, Card, Field } from "../../components/ui";

/** Save a GitHub or GitLab token: Kosha verifies it with the forge before keeping it. */
export function TokenForm({ tokens, onSaved }: { tokens: StoredToken[]; onSaved: (domain: string) => void }) {
  const [kind, setKind] = useState<"gitlab" | "github">("gitlab");
  const [domain, setDomain] = useState("");
  const [token, setToken] = useState("");
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => saveToken(kind, token, domain),
    onSuccess: (saved) => {
      setToken("");
      queryClient.invalidateQueries({ queryKey: ["tokens"] });
      queryClient.invalidateQueries({ queryKey: ["available", saved.domain] });
      onSaved(saved.domain);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Card title="Forge token">
      {tokens.length > 0 && (
        <ul className="mb-4 text-sm" aria-label="Saved tokens">
          {tokens.map((t) => (
            <li key={t.domain}>
              ✓ Token for <span className="font-mono">{t.domain}</span> ({t.kind}) saved as <strong>{t.forge_user}</strong>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} className="grid gap-4 md:grid-cols-[10rem_1fr_1fr_auto] md:items-end" aria-label="Save a forge token">
        <div className="flex flex-col gap-1">
          <label htmlFor="forge-kind" className="text-sm font-medium text-slate-700">Forge kind</label>
          <select id="forge-kind" value={kind} onChange={(e) => setKind(e.target.value as "gitlab" | "github")}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
            <option value="gitlab">GitLab</option>
            <option value="github">GitHub</option>
          </select>
        </div>
        <Field id="token-domain" label="Forge domain" placeholder={kind === "github" ? "github.com" : "gitlab.com"}
          spellCheck={false} value={domain} onChange={(e) => setDomain(e.target.value)} />
        <Field id="forge-token" label="Personal access token" type="password" required autoComplete="off"
          value={token} onChange={(e) => setToken(e.target.value)} />
        <Button type="submit" disabled={save.isPending}>{save.isPending ? "Verifying…" : "Verify and save"}</Button>
      </form>
      <div className="mt-3" aria-live="polite">
        <ErrorBox error={save.error} title="The token was not saved" />
        {save.data && (
          <p role="status" className="text-sm text-green-800">
            Saved: {save.data.domain} knows this token as <strong>{save.data.forge_user}</strong>.
          </p>
        )}
      </div>
    </Card>
  );
}
