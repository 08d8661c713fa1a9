// Serves the built web app at / with a single-page-app fallback, and GraphiQL
// (a second page of the same build, no CDN) at /graphiql.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export async function registerWebApp(app: FastifyInstance, webDir: string, graphiql: boolean): Promise<void> {
  if (!existsSync(join(webDir, 'index.html'))) {
    if (graphiql) {
      app.get('/graphiql', async (_request, reply) =>
        reply
          .code(503)
          .type('text/html')
          .send('<p>GraphiQL is part of the web app: run <code>npm run build:web</code>.</p>'),
      );
    }
    app.log.warn({ webDir }, 'web app not built (run `npm run build:web`); serving the API only');
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<p>Sensor Trust API. The web app is not built: run <code>npm run build:web</code>. GraphiQL: <a href="/graphiql">/graphiql</a></p>',
        ),
    );
    return;
  }
  // The app's files hold no data: served without a key (modules/auth reads `config.public`).
  // The sign-in screen is one of them.
  let marking = true;
  app.addHook('onRoute', (route) => {
    if (marking) route.config = { ...route.config, public: true };
  });
  await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false });
  marking = false;
  if (graphiql)
    app.get('/graphiql', { config: { public: true } }, (_request, reply) => reply.sendFile('graphiql.html'));
  app.setNotFoundHandler((request, reply) => {
    const accept = request.headers.accept ?? '';
    if (request.method === 'GET' && accept.includes('text/html')) return reply.sendFile('index.html');
    return reply
      .code(404)
      .send({ error: 'Not Found', code: 'NOT_FOUND', message: `Route ${request.method} ${request.url} not found` });
  });
}
