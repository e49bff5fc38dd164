import { create } from "zustand";

// Who the UI acts for. Held in memory only (no `persist`): nothing here ever reaches
// localStorage, sessionStorage, cookies or the URL, so a reload signs out.

export interface AccountSession {
  kind: "account";
  email: string;
  access: string;
  refresh: string;
}

export interface WorkspaceSession {
  kind: "workspace";
  tenantKey: string;
  domain: string;
  token: string;
}

export type Session = AccountSession | WorkspaceSession;

interface SessionState {
  session: Session | null;
  signInAccount: (email: string, access: string, refresh: string) => void;
  signInWorkspace: (tenantKey: string, token: string) => void;
  setAccessTokens: (access: string, refresh: string) => void;
  signOut: () => void;
}

/** The forge domain of a workspace tenant key (`<domain>//<region>/<team>`). */
export function domainOfTenantKey(key: string): string {
  return key.trim().split("//")[0] ?? "";
}

export const useSession = create<SessionState>()((set) => ({
  session: null,
  signInAccount: (email, access, refresh) =>
    set({ session: { kind: "account", email, access, refresh } }),
  signInWorkspace: (tenantKey, token) =>
    set({
      session: {
        kind: "workspace",
        tenantKey: tenantKey.trim(),
        domain: domainOfTenantKey(tenantKey),
        token: token.trim(),
      },
    }),
  setAccessTokens: (access, refresh) =>
    set((state) =>
      state.session?.kind === "account" ? { session: { ...state.session, access, refresh } } : state),
  signOut: () => set({ session: null }),
}));

/** The headers that say who a request acts for. */
export function authHeaders(session: Session | null): Record<string, string> {
  if (!session) return {};
  if (session.kind === "account") return { Authorization: `Bearer ${session.access}` };
  return {
    "X-Tenant-Key": session.tenantKey,
    "X-Git-Identity": `domain=${session.domain},token=${session.token}`,
  };
}

/** Whether a workspace key reads a whole region (`…//<region>/*`). */
export const isRegionKey = (session: Session | null): boolean =>
  session?.kind === "workspace" && session.tenantKey.endsWith("/*");
