import { messageOf } from "../api/errors";
import { ApiError } from "../api/errors";

/** An error as the API said it, announced to screen readers. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
      {title && <p className="font-semibold">{title}</p>}
      <p>{messageOf(error)}</p>
      {code && <p className="mt-1 font-mono text-xs text-red-700">{code}</p>}
    </div>
  );
}
