// "3 min ago", with the exact time (browser locale and zone, time-format.ts) on hover.
import { formatDateTimeSeconds, timeZoneName } from './time-format';

export function formatAgo(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">never</span>;
  return (
    <time dateTime={iso} title={`${formatDateTimeSeconds(iso)} (${timeZoneName()})`}>
      {formatAgo(iso)}
    </time>
  );
}
