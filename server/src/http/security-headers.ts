// Security headers on every answer: pages, GraphQL, plain routes, errors and 404s,
// and the SSE streams, which take over the raw response (set on the raw response in
// the first onRequest hook, so they are there whoever writes the head).
//
// The policy is what the built web app and GraphiQL need and nothing more: scripts,
// styles and fonts from this origin only (no inline script or style element; Vite
// emits none, and GraphiQL's page keeps its CSS in its bundle), data: images (the
// favicon, uPlot and GraphiQL icons), fetch and WebSocket to this origin, no plugins,
// no framing by any site, no <base> and no form posting elsewhere.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // frame-ancestors for browsers that predate it.
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export default fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
      done();
    });
  },
  { name: 'security-headers' },
);
