// The sign-in screen: asks for an API key, checks it with the server, keeps it
// for the session (or remembers it), then shows the app. In open mode (no keys
// configured) the server answers without one and nobody sees this screen.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { fetchViewer, getApiKey, setSignedIn, signOut, storeApiKey, useAuth } from './auth-store';

export function AuthGate({ children }: { children: () => ReactNode }) {
  const who = useAuth();
  const [checking, setChecking] = useState(true);
  const [unreachable, setUnreachable] = useState(false);

  useEffect(() => {
    if (who) return;
    let live = true;
    void fetchViewer(getApiKey()).then((answer) => {
      if (!live) return;
      if (answer.ok) setSignedIn(answer.who);
      else if (answer.reason === 'unauthenticated') signOut();
      setUnreachable(!answer.ok && answer.reason === 'unreachable');
      setChecking(false);
    });
    return () => {
      live = false;
    };
  }, [who]);

  if (who) return <>{children()}</>;
  if (checking) return <p className="sign-in-wait">Connecting…</p>;
  return <SignIn unreachable={unreachable} />;
}

function SignIn({ unreachable }: { unreachable: boolean }) {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(unreachable ? 'The server cannot be reached.' : null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const answer = await fetchViewer(key.trim());
    setBusy(false);
    if (!answer.ok) {
      setError(
        answer.reason === 'unauthenticated'
          ? 'This key is not valid (or has been revoked).'
          : 'The server cannot be reached.',
      );
      return;
    }
    storeApiKey(key.trim(), remember);
    setSignedIn(answer.who);
  }

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span aria-hidden="true" className="brand-mark">
            ◆
          </span>{' '}
          Sensor Trust
        </h1>
        <p>
          Sign in with your API key. An administrator creates one with <code>npm run apikey -- create</code>.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="st_…"
          required
        />
        <label className="sign-in-remember">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember me on
          this device
        </label>
        {error && (
          <p role="alert" className="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** Who is signed in, with which role, and sign-out (nothing in open mode). */
export function SignedInAs() {
  const who = useAuth();
  if (!who?.authRequired) return null;
  return (
    <span className="signed-in">
      <span className="signed-in-name" title={`Signed in as ${who.name} (${who.role})`}>
        {who.name} <span className="role-badge">{who.role.toLowerCase()}</span>
      </span>
      <SignOutButton />
    </span>
  );
}

/** Forgets the key and starts over at the sign-in screen (a fresh page: no client, cache or socket left). */
export function SignOutButton({ className = 'sign-out' }: { className?: string }) {
  return (
    <button
      type="button"
      className={className}
      onClick={() => {
        signOut();
        window.location.reload();
      }}
    >
      Sign out
    </button>
  );
}
