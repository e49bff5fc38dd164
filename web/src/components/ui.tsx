import { useId, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode } from "react";

// Small building blocks with the app's look; every input has a visible <label>.

export function Button({ className = "", variant = "primary", ...props }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" }) {
  const look = {
    primary: "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300",
    secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 disabled:text-slate-400",
    danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300",
  }[variant];
  return (
    <button className={`rounded-md px-4 py-2 text-sm font-medium disabled:cursor-not-allowed ${look} ${className}`}
      {...props} />
  );
}

export function Field({ label, id, hint, ...props }:
  InputHTMLAttributes<HTMLInputElement> & { label: string; id: string; hint?: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined}
        className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm" {...props} />
      {hint && <p id={`${id}-hint`} className="text-xs text-slate-500">{hint}</p>}
    </div>
  );
}

export function Card({ title, children, className = "" }:
  { title?: string; children: ReactNode; className?: string }) {
  const headingId = useId();
  return (
    <section aria-labelledby={title ? headingId : undefined}
      className={`rounded-lg border border-slate-200 bg-white p-5 shadow-sm ${className}`}>
      {title && <h2 id={headingId} className="mb-3 text-lg font-semibold">{title}</h2>}
      {children}
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const look: Record<string, string> = {
    completed: "bg-green-100 text-green-800", indexed: "bg-green-100 text-green-800",
    running: "bg-blue-100 text-blue-800", queued: "bg-slate-100 text-slate-700",
    failed: "bg-red-100 text-red-800", cancelled: "bg-amber-100 text-amber-800",
    waiting: "bg-slate-100 text-slate-700", skipped: "bg-slate-100 text-slate-700",
  };
  const label: Record<string, string> = { completed: "done", running: "in progress" };
  return (
    <span data-status={status}
      className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${look[status] ?? "bg-slate-100"}`}>
      {label[status] ?? status}
    </span>
  );
}
