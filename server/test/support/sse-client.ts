// A real graphql-sse client ("distinct connections" mode) over fetch: POSTs a
// subscription to /graphql/stream and collects the server-sent events as they arrive.
export interface SseEvent {
  event: string;
  data: string;
}

export async function openSseStream(url: string, query: string, apiKey?: string) {
  const controller = new AbortController();
  const res = await fetch(`${url}/graphql/stream`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let endedAt: number | null = null;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
          if (event) events.push({ event, data });
        }
      }
    } catch {
      // aborted
    }
    endedAt = performance.now();
  })();
  return {
    res,
    events,
    next: () =>
      events
        .filter((e) => e.event === 'next')
        .map((e) => JSON.parse(e.data) as { data?: any; errors?: { extensions?: Record<string, unknown> }[] }),
    /** performance.now() when the server ended the stream, null while it runs. */
    endedAt: () => endedAt,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}
