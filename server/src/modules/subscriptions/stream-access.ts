// Who may open a live stream. The one place the Server-Sent Events transport
// (sse-transport.ts) checks access; it must say what the WebSocket path says for the
// same credentials. Today neither path checks anything (the API has no keys yet):
// when access control lands, call its check here too.
import type { FastifyRequest } from 'fastify';

export interface StreamRefusal {
  status: 401 | 403;
  message: string;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
}

export function streamAccess(_request: FastifyRequest): StreamRefusal | null {
  return null;
}
