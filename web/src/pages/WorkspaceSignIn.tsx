import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { listJobs } from "../api/calls";
import { ErrorBox } from "../components/ErrorBox";
import { Button, Card, Field } from "../components/ui";
import { domainOfTenantKey, useSession } from "../state/session";

/** Workspace mode: a tenant key and a forge token, held in memory only. */
export function WorkspaceSignIn() {
  const [tenantKey, setTenantKey] = useState("");
  const [token, setToken] = useState("");
  const signInWorkspace = useSession((s) => s.signInWorkspace);
  const signOut = useSession((s) => s.signOut);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const mutation = useMutation({
    mutationFn: async () => {
      signInWorkspace(tenantKey, token);
      try {
        return await listJobs(1); // the API checks the key and the identity headers
      } catch (error) {
        signOut();
        throw error;
      }
    },
    onSuccess: () => {
      queryClient.clear();
      setToken("");
      navigate("/dashboard");
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  const domain = domainOfTenantKey(tenantKey);
  return (
    <div className="mx-auto max-w-lg">
      <h1 className="mb-2 text-2xl font-bold">Workspace sign-in</h1>
      <p className="mb-6 text-slate-700">
        For teams on a company GitLab or GitHub. Your token stays in this tab's memory: it is
        never stored in the browser, in cookies or in the address, and a reload forgets it.
      </p>
      <Card>
        <form onSubmit={submit} className="flex flex-col gap-4" aria-label="Workspace sign-in">
          <Field id="tenant-key" label="Tenant key" required autoComplete="off" spellCheck={false}
            placeholder="gitlab.example.com//emea/team-a"
            hint="<forge domain>//<region>/<team>, or <forge domain>//<region>/* to read a whole region"
            value={tenantKey} onChange={(e) => setTenantKey(e.target.value)} />
          <Field id="git-token" label="Git token" type="password" required autoComplete="off"
            hint={domain ? `Sent to Kosha as the identity for ${domain} with each request.` : "A personal access token of the forge."}
            value={token} onChange={(e) => setToken(e.target.value)} />
          <ErrorBox error={mutation.error} title="Sign-in failed" />
          <Button type="submit" disabled={mutation.isPending}>
            {mutation.isPending ? "Checking…" : "Sign in to the workspace"}
          </Button>
        </form>
      </Card>
    </div>
  );
}
