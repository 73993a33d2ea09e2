import { type FormEvent, useState } from 'react';

import { Field, ProblemBanner } from '../components/form';
import { useSession } from '../session/session';

/** Access key and secret key in, a session out; the secret is never kept (the form is cleared). */
export function SignInPage() {
  const { signIn, notice } = useSession();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const accessKey = String(data.get('accessKey') ?? '').trim();
    const secretKey = String(data.get('secretKey') ?? '');
    // The secret leaves the page's state at once, whatever the answer.
    (form.elements.namedItem('secretKey') as HTMLInputElement).value = '';
    setBusy(true);
    setProblem(null);
    try {
      await signIn(accessKey, secretKey);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Sign in to Stagecraft</h1>
      {notice && <p className="banner">{notice}</p>}
      <ProblemBanner problem={problem} />
      <form onSubmit={submit} aria-busy={busy}>
        <Field label="Access key">
          {(props) => <input {...props} name="accessKey" required autoComplete="username" spellCheck={false} />}
        </Field>
        <Field label="Secret key" hint="Used once to sign in; not stored.">
          {(props) => <input {...props} name="secretKey" type="password" required autoComplete="off" />}
        </Field>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
