// Severity as a word with a fill level; colour only reinforces it.
import type { Severity } from '../gql/graphql';

const BARS: Record<Severity, string> = { NONE: '', LOW: '▮', MEDIUM: '▮▮', HIGH: '▮▮▮', CRITICAL: '▮▮▮▮' };
export const SEVERITY_ORDER: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE'];

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge severity-${severity.toLowerCase()}`} title={`Severity: ${severity.toLowerCase()}`}>
      {BARS[severity] && (
        <span aria-hidden="true" className="badge-icon severity-bars">
          {BARS[severity]}
        </span>
      )}
      {severity}
    </span>
  );
}
