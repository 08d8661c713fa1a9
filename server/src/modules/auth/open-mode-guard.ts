// In open mode (no API key configured, loopback HOST) being on this machine is the
// only credential, and a browser on this machine carries it for every page it shows.
// Two ways a page of another site could use it, refused here:
// - a WebSocket: browsers let any page open one to 127.0.0.1 (no CORS, no preflight),
//   and graphql-ws runs mutations too, so a page could change the registry;
// - DNS rebinding: a name of the other site re-pointed at 127.0.0.1 makes its page
//   "same-origin" with this server, past CORS and CSRF prevention alike.
// So in open mode a request must name this server by a loopback name (Host) and, when
// a browser says where it comes from (Origin), come from a page of this server or of
// an origin listed in CORS_ORIGINS. Clients that are not browsers send no Origin. With
// keys required none of this matters: the key is never sent by the browser on its own.

/** A HOST (or Host header's name) that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Why the request is refused, or null when it may go on. */
export function foreignBrowserRequest(
  headers: { host?: string; origin?: string },
  allowedOrigins: readonly string[],
): string | null {
  const host = headers.host?.toLowerCase();
  if (host !== undefined) {
    let hostname: string | null = null;
    try {
      hostname = new URL(`http://${host}`).hostname;
    } catch {
      // not a host name at all
    }
    if (hostname === null || !isLoopback(hostname)) {
      return (
        `This server runs open (no API key configured) and answers only to a loopback name ` +
        `(localhost, 127.0.0.1, [::1]), not Host "${host.slice(0, 100)}". Create an API key to serve other names.`
      );
    }
  }
  const origin = headers.origin;
  if (origin === undefined || allowedOrigins.includes(origin)) return null;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    // "null" (sandboxed frames, files) or garbage
  }
  if (originHost !== null && originHost === host) return null;
  return (
    `This server runs open (no API key configured) and answers only its own pages, not a page of ` +
    `"${origin.slice(0, 100)}". List that origin in CORS_ORIGINS or create an API key.`
  );
}
