// For a key that may not read the dashboard (an INTEGRATOR: ingestion and the
// registry only): says plainly what it can do and what the rest needs, with
// sign-out, instead of pages full of FORBIDDEN errors.
import { describeGrants, useAuth } from './auth-store';
import { SignOutButton } from './SignIn';

export function RoleNotice() {
  const who = useAuth();
  if (!who) return null;
  return (
    <section className="panel role-notice" role="note" aria-labelledby="role-notice-heading" data-testid="role-notice">
      <h2 id="role-notice-heading">What this key can do</h2>
      <p>
        This key (<strong>{who.name}</strong>, <span className="role-name">{who.role}</span>) can{' '}
        {describeGrants(who.role)}; the dashboard, trust scores and tickets need a <strong>VIEWER</strong> key or
        higher.
      </p>
      <p className="muted small">
        Readings go to the <code>ingestReadings</code> mutation at <code>/graphql</code> with{' '}
        <code>Authorization: Bearer &lt;key&gt;</code>, one sensor id from the list below per reading.
      </p>
      {who.authRequired && (
        <div className="button-row">
          <SignOutButton className="" />
        </div>
      )}
    </section>
  );
}
