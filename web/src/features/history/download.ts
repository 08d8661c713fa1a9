// Downloads from the export routes (docs/history.md). They need the signed-in key in the
// Authorization header, which a plain link cannot send, so the file is fetched and handed
// to the browser as a blob. The server's answer names the file (Content-Disposition).
import { apiKeyHeaders } from '../../app/api-key';

export class DownloadError extends Error {}

function fileName(disposition: string | null, fallback: string): string {
  const match = disposition && /filename="?([^";]+)"?/i.exec(disposition);
  return match?.[1] ?? fallback;
}

/** Fetches `url` with the key and saves it; throws DownloadError with the server's words. */
export async function download(url: string, fallbackName: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers: apiKeyHeaders() });
  } catch {
    throw new DownloadError('The server cannot be reached.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    throw new DownloadError(body?.message ?? `The server answered ${res.status}.`);
  }
  const blob = await res.blob();
  const name = fileName(res.headers.get('content-disposition'), fallbackName);
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}

export function readingsExportUrl(
  target: { sensorId: string } | { zoneId: string },
  from: number,
  to: number,
  format: 'csv' | 'ndjson',
): string {
  const params = new URLSearchParams({
    ...target,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    format,
  });
  return `/export/readings?${params}`;
}

/** The tickets board's filter as /export/tickets parameters (comma-separated lists). */
export function ticketsExportUrl(filter: {
  status?: readonly string[] | null;
  severity?: readonly string[] | null;
  zoneId?: string | null;
  sensorId?: string | null;
  search?: string | null;
  assignee?: string | null;
}): string {
  const params = new URLSearchParams();
  if (filter.status?.length) params.set('status', filter.status.join(','));
  if (filter.severity?.length) params.set('severity', filter.severity.join(','));
  if (filter.zoneId) params.set('zoneId', filter.zoneId);
  if (filter.sensorId) params.set('sensorId', filter.sensorId);
  if (filter.search) params.set('search', filter.search);
  if (filter.assignee !== null && filter.assignee !== undefined) params.set('assignee', filter.assignee);
  const query = params.toString();
  return query ? `/export/tickets?${query}` : '/export/tickets';
}
