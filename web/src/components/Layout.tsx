import { useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { useSearchUi } from "../state/search";
import { useSession } from "../state/session";

const linkLook = ({ isActive }: { isActive: boolean }) =>
  `rounded px-2 py-1 text-sm ${isActive ? "bg-indigo-100 font-semibold text-indigo-900" : "text-slate-700 hover:bg-slate-100"}`;

export function Layout() {
  const session = useSession((s) => s.session);
  const signOut = useSession((s) => s.signOut);
  const resetSearch = useSearchUi((s) => s.reset);
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const leave = () => {
    signOut();
    resetSearch();
    queryClient.clear();
    navigate("/");
  };

  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-3">
          <NavLink to="/" className="text-xl font-bold text-indigo-700">Kosha</NavLink>
          <nav aria-label="Main" className="flex flex-1 flex-wrap items-center gap-1">
            {session && <NavLink to="/dashboard" className={linkLook}>Dashboard</NavLink>}
            {session?.kind === "account" && <NavLink to="/connect" className={linkLook}>Connect repos</NavLink>}
            {session && <NavLink to="/search" className={linkLook}>Search</NavLink>}
          </nav>
          {session ? (
            <div className="flex items-center gap-3 text-sm">
              <span className="text-slate-600" data-testid="who">
                {session.kind === "account" ? session.email : `workspace ${session.tenantKey}`}
              </span>
              <button type="button" onClick={leave} className="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">
                Sign out
              </button>
            </div>
          ) : (
            <nav aria-label="Account" className="flex items-center gap-1">
              <NavLink to="/login" className={linkLook}>Log in</NavLink>
              <NavLink to="/signup" className={linkLook}>Sign up</NavLink>
              <NavLink to="/workspace" className={linkLook}>Workspace sign-in</NavLink>
            </nav>
          )}
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        <Outlet />
      </main>
    </div>
  );
}
