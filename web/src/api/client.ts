import createClient, { type Middleware } from "openapi-fetch";
import { authHeaders, useSession } from "../state/session";
import { toApiError } from "./errors";
import type { paths } from "./schema";
import type { Tokens } from "./types";

// One typed client for every route of the OpenAPI schema (generated: src/api/schema.d.ts).
// It adds who the request acts for, and renews an expired account session once.

const origin = () => (typeof window === "undefined" ? "http://localhost" : window.location.origin);

const addAuth: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders(useSession.getState().session))) {
      if (!request.headers.has(name)) request.headers.set(name, value);
    }
    return request;
  },
};

let renewing: Promise<boolean> | null = null;

/** Trade the refresh token for a new pair (once at a time); false when that fails. */
async function renew(): Promise<boolean> {
  const session = useSession.getState().session;
  if (session?.kind !== "account") return false;
  renewing ??= (async () => {
    const response = await globalThis.fetch(`${origin()}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: session.refresh }),
    });
    if (!response.ok) return false;
    const tokens = (await response.json()) as Tokens;
    useSession.getState().setAccessTokens(tokens.access_token, tokens.refresh_token);
    return true;
  })().finally(() => {
    renewing = null;
  });
  return renewing;
}

/** fetch, looked up at call time (tests replace it), retried once after a renewed session. */
async function sessionFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const response = await globalThis.fetch(request);
  const session = useSession.getState().session;
  const wasBearer = request.headers.get("Authorization")?.startsWith("Bearer ");
  if (response.status !== 401 || !wasBearer || session?.kind !== "account") return response;
  if (!(await renew())) return response;
  retry.headers.set("Authorization", authHeaders(useSession.getState().session).Authorization);
  return globalThis.fetch(retry);
}

export const api = createClient<paths>({ baseUrl: origin(), fetch: sessionFetch });
api.use(addAuth);

/** The data of an openapi-fetch answer, or its error thrown as an ApiError. */
export function unwrap<T>(result: { data?: unknown; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw toApiError(result.response.status, result.error);
  return result.data as T;
}
