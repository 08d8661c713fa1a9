// One webhook POST: JSON body, HMAC-SHA256 signature of the exact bytes, a timeout.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-sensor-trust-signature';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export async function postWebhook(
  url: string,
  secret: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<WebhookResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sensor-trust-webhook/1',
        [SIGNATURE_HEADER]: signature(secret, body),
        ...headers,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, statusCode: null, error: cause ? `${message} (${cause})` : message };
  }
}
