import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { login, signup } from "../api/calls";
import { ErrorBox } from "../components/ErrorBox";
import { Button, Card, Field } from "../components/ui";
import { useSession } from "../state/session";

/** Sign-up and log-in: one form, two endpoints. */
export function AuthPage({ mode }: { mode: "signup" | "login" }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useSession((s) => s.signInAccount);
  const navigate = useNavigate();
  const isSignup = mode === "signup";
  const mutation = useMutation({
    mutationFn: () => (isSignup ? signup : login)(email.trim(), password),
    onSuccess: (tokens) => {
      signIn(email.trim(), tokens.access_token, tokens.refresh_token);
      navigate(isSignup ? "/connect" : "/dashboard");
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <div className="mx-auto max-w-md">
      <h1 className="mb-6 text-2xl font-bold">{isSignup ? "Create your Kosha account" : "Log in to Kosha"}</h1>
      <Card>
        <form onSubmit={submit} className="flex flex-col gap-4" aria-label={isSignup ? "Sign up" : "Log in"}>
          <Field id="email" label="Email" type="email" autoComplete="email" required
            value={email} onChange={(e) => setEmail(e.target.value)} />
          <Field id="password" label="Password" type="password" required
            autoComplete={isSignup ? "new-password" : "current-password"}
            hint={isSignup ? "At least 10 characters; a passphrase is best." : undefined}
            value={password} onChange={(e) => setPassword(e.target.value)} />
          <ErrorBox error={mutation.error} title={isSignup ? "Sign-up failed" : "Log-in failed"} />
          <Button type="submit" disabled={mutation.isPending}>
            {mutation.isPending ? "Please wait…" : isSignup ? "Sign up" : "Log in"}
          </Button>
        </form>
      </Card>
      <p className="mt-4 text-sm text-slate-600">
        {isSignup ? <>Have an account? <Link className="text-indigo-700 underline" to="/login">Log in</Link></>
          : <>New here? <Link className="text-indigo-700 underline" to="/signup">Sign up</Link></>}
        {" · "}<Link className="text-indigo-700 underline" to="/workspace">Workspace sign-in</Link>
      </p>
    </div>
  );
}
