// One webhook POST: JSON body, HMAC-SHA256 signature of the exact bytes, a timeout.
//
// Sent with node:http(s) rather than fetch, for three reasons: the connection goes to
// the address the target policy checked (our own `lookup` resolves, checks and hands
// the checked address to the socket: no second resolution in between); the answer is
// read to RESPONSE_CAP_BYTES and the socket closed (a receiver answering 300 MB costs
// nothing); and nothing is decompressed (a gzip bomb is just capped bytes). Redirects
// are not followed. Whatever goes wrong before an HTTP answer (refused, reset, timed
// out, not HTTP) is one message, so the delivery log does not tell an admin which
// ports of a host are open.
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { literalAddress, type TargetPolicy } from './webhook-target.js';

export const SIGNATURE_HEADER = 'x-sensor-trust-signature';

/** How much of a receiver's answer is read (it is only drained, never used). */
export const RESPONSE_CAP_BYTES = 64 * 1024;

/** The one message for every failure before an HTTP answer. */
export const NO_ANSWER = 'No HTTP answer from the receiver (connection failed, timed out or was not HTTP)';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

class TargetRefusedError extends Error {}

/** Resolves like dns.lookup, keeps only the addresses the policy allows; none: TargetRefusedError. */
function checkedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => !policy.refusal(a.address));
      const [first] = allowed;
      if (!first) {
        const why = addresses[0] ? policy.refusal(addresses[0].address) : 'no address';
        return callback(new TargetRefusedError(`${hostname} resolves to ${why}`), '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

export async function postWebhook(
  url: string,
  secret: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  policy: TargetPolicy,
): Promise<WebhookResult> {
  const target = new URL(url);
  const literal = literalAddress(target);
  const refusal = literal ? policy.refusal(literal) : null;
  if (refusal) return { ok: false, statusCode: null, error: `Target refused: ${refusal}` };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'accept-encoding': 'identity',
            'user-agent': 'sensor-trust-webhook/1',
            [SIGNATURE_HEADER]: signature(secret, body),
            ...headers,
          },
          lookup: checkedLookup(policy),
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > RESPONSE_CAP_BYTES) {
              res.destroy();
              resolve(status);
            }
          });
          res.on('end', () => resolve(status));
          res.on('close', () => resolve(status));
          res.on('error', () => resolve(status)); // the status arrived; the rest does not matter
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const ok = status >= 200 && status < 300;
    return { ok, statusCode: status, error: ok ? null : `HTTP ${status}` };
  } catch (err) {
    if (err instanceof TargetRefusedError)
      return { ok: false, statusCode: null, error: `Target refused: ${err.message}` };
    const code = (err as { code?: unknown }).code;
    // A name that does not resolve says nothing about ports; it helps the admin fix a typo.
    if (code === 'ENOTFOUND') return { ok: false, statusCode: null, error: `Host ${target.hostname} not found` };
    return { ok: false, statusCode: null, error: NO_ANSWER };
  }
}
