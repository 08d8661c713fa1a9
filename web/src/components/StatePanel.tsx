// Loading, empty and error states, the same everywhere.
import type { CombinedError } from 'urql';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorState({ error, what }: { error: CombinedError | Error; what: string }) {
  const message =
    'networkError' in error && error.networkError
      ? 'The server could not be reached.'
      : error.message.replace(/^\[GraphQL\] /, '');
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load {what}.</strong> {message}
    </div>
  );
}
