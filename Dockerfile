# Sensor Trust: production image. Two stages: build (all dependencies, compile,
# prune) and runtime (the pruned node_modules and the build only, non-root).
# server/test/production-build.test.ts runs this file's build-stage RUN commands
# in a clean copy of the repository, assembles the runtime stage's COPY lines and
# starts its CMD until HEALTHCHECK passes: keep every step a plain command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema.graphql ./schema.graphql
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/web/dist ./web/dist
# The embedded database's directory (unused with DATABASE_URL), owned by the non-root user.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
