// A mutation's error in words, with the server's code when it sent one
// (ZONE_NOT_EMPTY, FORBIDDEN, BAD_USER_INPUT, …), as an alert next to the form.
import type { CombinedError } from 'urql';

export function errorText(error: CombinedError): string {
  if (error.networkError && !error.graphQLErrors.length) return 'The server could not be reached. Try again.';
  return error.graphQLErrors
    .map((e) => {
      const code = typeof e.extensions?.code === 'string' ? e.extensions.code : null;
      return code ? `${e.message} (${code})` : e.message;
    })
    .join(' ');
}

export function MutationError({ error }: { error: CombinedError | null | undefined }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {errorText(error)}
    </p>
  );
}
