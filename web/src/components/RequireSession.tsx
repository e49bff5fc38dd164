import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { useSession, type Session } from "../state/session";

/** Its children for a signed-in session (of `kind`, when given); the log-in page otherwise. */
export function RequireSession({ kind, children }: { kind?: Session["kind"]; children: ReactNode }) {
  const session = useSession((s) => s.session);
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (kind && session.kind !== kind) return <Navigate to="/dashboard" replace />;
  return <>{children}</>;
}
