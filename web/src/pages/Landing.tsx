import { Link } from "react-router-dom";
import { useSession } from "../state/session";

const features = [
  ["Search code by meaning", "Hybrid semantic + keyword search over your repositories, with the matched lines marked and a deep link to the forge."],
  ["Follow the calls", "Callers, callees and the definition of any symbol in a hit, across every repo you index."],
  ["Your forge, your access", "Connect a GitHub or GitLab token; Kosha reads only what the token can read."],
];

export function Landing() {
  const session = useSession((s) => s.session);
  return (
    <div className="flex flex-col gap-10">
      <section className="flex flex-col gap-4">
        <h1 className="text-4xl font-bold tracking-tight">Kosha: code search for your Git repositories</h1>
        <p className="max-w-3xl text-lg text-slate-700">
          Kosha indexes repositories on GitHub and GitLab and answers questions about their code:
          where something is done, who calls it, and what it calls, with links to the exact lines.
        </p>
        <div className="flex flex-wrap gap-3">
          {session ? (
            <Link to="/dashboard" className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700">Open your dashboard</Link>
          ) : (
            <>
              <Link to="/signup" className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700">Get started: sign up</Link>
              <Link to="/login" className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100">Log in</Link>
              <Link to="/workspace" className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100">Workspace sign-in (team key)</Link>
            </>
          )}
        </div>
      </section>
      <section aria-labelledby="what" className="grid gap-4 md:grid-cols-3">
        <h2 id="what" className="sr-only">What Kosha does</h2>
        {features.map(([title, text]) => (
          <div key={title} className="rounded-lg border border-slate-200 bg-white p-5">
            <h3 className="font-semibold">{title}</h3>
            <p className="mt-2 text-sm text-slate-700">{text}</p>
          </div>
        ))}
      </section>
      <section aria-labelledby="steps" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="steps" className="text-lg font-semibold">Get started in three steps</h2>
        <ol className="mt-3 list-decimal space-y-1 pl-6 text-slate-700">
          <li>Sign up with an email and a password.</li>
          <li>Save a GitHub or GitLab token and pick the repositories to index.</li>
          <li>Watch them index, then search.</li>
        </ol>
        <p className="mt-3 text-sm text-slate-600">
          Teams on a company forge sign in with their workspace key and a token instead: nothing is
          stored, and the token is forgotten when the tab closes.
        </p>
      </section>
    </div>
  );
}
