import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createBrowserRouter, createMemoryRouter, RouterProvider, type RouteObject } from "react-router-dom";
import { Layout } from "./components/Layout";
import { RequireSession } from "./components/RequireSession";
import { AuthPage } from "./pages/AuthPage";
import { Connect } from "./pages/Connect";
import { Dashboard } from "./pages/Dashboard";
import { JobProgress } from "./pages/JobProgress";
import { Landing } from "./pages/Landing";
import { Search } from "./pages/Search";
import { WorkspaceSignIn } from "./pages/WorkspaceSignIn";

export const routes: RouteObject[] = [{
  element: <Layout />,
  children: [
    { path: "/", element: <Landing /> },
    { path: "/signup", element: <AuthPage mode="signup" /> },
    { path: "/login", element: <AuthPage mode="login" /> },
    { path: "/workspace", element: <WorkspaceSignIn /> },
    { path: "/dashboard", element: <RequireSession><Dashboard /></RequireSession> },
    { path: "/connect", element: <RequireSession kind="account"><Connect /></RequireSession> },
    { path: "/jobs/:jobId", element: <RequireSession><JobProgress /></RequireSession> },
    { path: "/search", element: <RequireSession><Search /></RequireSession> },
    { path: "*", element: <p role="alert">There is no such page. <a className="underline" href="/app/">Home</a></p> },
  ],
}];

export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 },
      mutations: { retry: false },
    },
  });
}

/** The app; tests pass `initialPath` to run it on an in-memory router. */
export function App({ initialPath, client }: { initialPath?: string; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? newQueryClient());
  const [router] = useState(() => initialPath
    ? createMemoryRouter(routes, { initialEntries: [initialPath] })
    : createBrowserRouter(routes, { basename: "/app" }));
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
