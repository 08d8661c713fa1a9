// A minimal keep-alive HTTP client for GraphQL POSTs. node:http with a pooled
// agent costs the client less CPU than fetch, which matters because the client
// shares the machine's two cores with the server and the database.
import http from 'node:http';

export interface GraphqlClient {
  /** POSTs a ready-made JSON body and returns the parsed response. */
  postRaw(body: Buffer | string): Promise<GraphqlResponse>;
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export interface GraphqlResponse {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** `headers`: sent with every request (e.g. `authorization` where API keys are required). */
export function createGraphqlClient(
  baseUrl: string,
  maxSockets: number,
  headers: Record<string, string> = {},
): GraphqlClient {
  const url = new URL('/graphql', baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });

  const postRaw = (body: Buffer | string) =>
    new Promise<GraphqlResponse>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, ...(JSON.parse(text) as object) });
            } catch {
              reject(new Error(`HTTP ${res.statusCode}: not JSON: ${text.slice(0, 500)}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  return {
    postRaw,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await postRaw(JSON.stringify({ query, variables }));
      if (res.errors?.length) {
        const first = res.errors[0]!;
        throw new Error(
          `GraphQL error (${res.errors.length}): ${first.message} ${JSON.stringify(first.extensions ?? {})}`,
        );
      }
      if (res.status !== 200 || !res.data) throw new Error(`HTTP ${res.status} without data`);
      return res.data as T;
    },
    close: () => agent.destroy(),
  };
}
