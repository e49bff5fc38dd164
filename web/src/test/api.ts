import { vi } from "vitest";

// A stand-in for the Kosha API at the fetch level: routes by "METHOD /path", records calls.

export interface Call { method: string; path: string; search: string; headers: Headers; body: unknown }
type Reply = { status?: number; body?: unknown; headers?: Record<string, string>; stream?: string[] };
type Handler = Reply | ((call: Call) => Reply);

export function json(status: number, body: unknown): Reply {
  return { status, body };
}

export function apiError(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message, request_id: "r1" } } };
}

/** Replace globalThis.fetch; unknown routes answer 404 not_found. */
export function mockApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost:3000"), init);
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.text();
    const call: Call = {
      method: request.method, path: url.pathname, search: url.search, headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    const handler = routes[`${call.method} ${call.path}`];
    const reply = typeof handler === "function" ? handler(call)
      : handler ?? apiError(404, "not_found", `no route ${call.method} ${call.path}`);
    if (reply.stream) {
      const encoder = new TextEncoder();
      const chunks = reply.stream;
      const body = new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
          controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
    }
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls, fetchMock, find: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}

/** One SSE event as the server frames it. */
export const sse = (event: string, data: unknown, id = "1") =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
