import { useSession } from "../state/session";
import { AccountDashboard } from "./dashboard/AccountDashboard";
import { WorkspaceDashboard } from "./dashboard/WorkspaceDashboard";

export function Dashboard() {
  const session = useSession((s) => s.session);
  return session?.kind === "workspace" ? <WorkspaceDashboard /> : <AccountDashboard />;
}
