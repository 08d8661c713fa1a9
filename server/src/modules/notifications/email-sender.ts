// One notification mail over SMTP (nodemailer), to the addresses of an EMAIL receiver's
// mailto: URL. The SMTP server is the operator's (SMTP_URL), never one a receiver names.
import nodemailer, { type Transporter } from 'nodemailer';
import type { WebhookResult } from './webhook-sender.js';

/** The addresses of a mailto: URL ("mailto:a@example.com,b@example.com"), or null when it is not one. */
export function mailtoAddresses(url: string): string[] | null {
  if (!url.toLowerCase().startsWith('mailto:')) return null;
  const list = decodeURIComponent(url.slice('mailto:'.length).split('?')[0] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const address = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$|^[^\s@<>,;"]+@localhost$/;
  return list.length && list.every((a) => address.test(a)) ? list : null;
}

export function createEmailSender(smtpUrl: string | null, from: string, timeoutMs: number) {
  let transport: Transporter | null = null;
  return {
    async send(to: string[], subject: string, text: string): Promise<WebhookResult> {
      if (!smtpUrl) return { ok: false, statusCode: null, error: 'No SMTP server configured (set SMTP_URL)' };
      transport ??= nodemailer.createTransport(smtpUrl, {
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      } as never);
      try {
        const info = (await transport.sendMail({ from, to, subject, text })) as { rejected?: unknown[] };
        if (info.rejected?.length)
          return { ok: false, statusCode: null, error: `SMTP server refused ${info.rejected.length} recipient(s)` };
        return { ok: true, statusCode: 250, error: null };
      } catch (err) {
        const e = err as { responseCode?: number; message?: string };
        return { ok: false, statusCode: e.responseCode ?? null, error: `SMTP: ${e.message ?? String(err)}` };
      }
    },
    close: () => transport?.close(),
  };
}
