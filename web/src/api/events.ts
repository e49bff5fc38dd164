import { EventStreamContentType, fetchEventSource } from "@microsoft/fetch-event-source";
import { authHeaders, useSession } from "../state/session";
import { ApiError, toApiError } from "./errors";
import type { Job } from "./types";

// GET /jobs/{id}/events over fetch: EventSource cannot send the Authorization or workspace
// headers, and tokens never go into URLs. Reconnects resume with Last-Event-ID.

export interface FollowHandlers {
  onJob: (job: Job) => void;
  onError: (error: ApiError) => void;
}

class Fatal extends Error {}

/** Follow a job until its `done` event (or the signal aborts); resolves when it stops. */
export async function followJob(jobId: string, handlers: FollowHandlers,
                                signal: AbortSignal): Promise<void> {
  let finished = false;
  await fetchEventSource(`/jobs/${encodeURIComponent(jobId)}/events`, {
    signal,
    openWhenHidden: true,
    fetch: (input, init) => globalThis.fetch(input, init), // looked up per call
    headers: authHeaders(useSession.getState().session),
    async onopen(response) {
      const type = response.headers.get("content-type") ?? "";
      if (response.ok && type.startsWith(EventStreamContentType)) return;
      const body = await response.json().catch(() => null);
      const error = toApiError(response.status, body);
      handlers.onError(error);
      throw new Fatal(error.message);
    },
    onmessage(message) {
      if (message.event !== "progress" && message.event !== "done") return;
      handlers.onJob(JSON.parse(message.data) as Job);
      if (message.event === "done") finished = true;
    },
    onclose() {
      if (!finished) throw new Error("stream closed early"); // retry, resuming
    },
    onerror(error) {
      if (error instanceof Fatal || finished) throw error; // stop
      return 2000; // retry in 2 s
    },
  }).catch((error) => {
    if (!(error instanceof Fatal) && !finished && !signal.aborted) throw error;
  });
}
