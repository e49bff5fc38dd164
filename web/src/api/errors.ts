import type { ApiErrorBody } from "./types";

/** An API answer other than 2xx, with the stable code and the human message it carried. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  const error = (body as ApiErrorBody | null)?.error;
  return typeof error === "object" && error !== null && typeof error.message === "string";
}

/** The ApiError of a failed response body (Kosha's `{error: {code, message}}` or anything). */
export function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(status, body.error.code, body.error.message, body.error.details);
  }
  return new ApiError(status, "http_error", `the server answered ${status}`);
}

/** A message fit to show a person, for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const details = Array.isArray(error.details)
      ? error.details
          .map((d: { field?: string; problem?: string }) =>
            d && d.problem ? `${d.field ? `${d.field}: ` : ""}${d.problem}` : "")
          .filter(Boolean)
      : [];
    return details.length ? `${error.message} (${details.join("; ")})` : error.message;
  }
  if (error instanceof Error) return `could not reach Kosha: ${error.message}`;
  return "something went wrong";
}
