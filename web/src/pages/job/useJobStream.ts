import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { getJob } from "../../api/calls";
import { ApiError } from "../../api/errors";
import { followJob } from "../../api/events";
import { isFinal, type Job } from "../../api/types";

/** A job as TanStack Query holds it, kept live by its Server-Sent Events until it ends. */
export function useJobStream(jobId: string) {
  const queryClient = useQueryClient();
  const [streamError, setStreamError] = useState<ApiError | null>(null);
  const [live, setLive] = useState(false);
  const query = useQuery({ queryKey: ["job", jobId], queryFn: () => getJob(jobId) });
  const loaded = query.isSuccess;
  const ended = isFinal(query.data?.status);

  useEffect(() => { // after the first snapshot, so the stream's newer states win
    if (!loaded || ended) return;
    const controller = new AbortController();
    setLive(true);
    followJob(jobId, {
      onJob: (job: Job) => queryClient.setQueryData(["job", jobId], job),
      onError: setStreamError,
    }, controller.signal)
      .catch((error) => setStreamError(error instanceof ApiError ? error : null))
      .finally(() => setLive(false));
    return () => controller.abort();
  }, [jobId, loaded, ended, queryClient]);

  useEffect(() => { // what the job changed: lists, repos, quota
    if (!ended) return;
    for (const key of ["jobs", "repos", "usage", "available"]) {
      queryClient.invalidateQueries({ queryKey: [key] });
    }
  }, [ended, queryClient]);

  return { job: query.data, error: query.error ?? streamError, live: live && !ended };
}
