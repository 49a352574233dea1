# syntax=docker/dockerfile:1
# Titan Connect server image: `docker build -t titan-connect .` at the repository root.
# Build stage: install, build every package, then `pnpm deploy` the server with its production
# dependencies only (workspace packages copied in, no symlinks out of the bundle). Final stage:
# that bundle on a slim Node, as the unprivileged `node` user. docs/scale-out.md explains it;
# packages/server/src/deploy.test.ts runs the same deploy step and starts the result.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles when no prebuilt binary matches; against the image's own Node headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV CI=true npm_config_nodedir=/usr/local
RUN npm install -g pnpm@12.4.2
WORKDIR /src
# Dependencies first, from the lockfile alone: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN pnpm build
RUN pnpm --filter @titan-connect/server deploy --prod /out \
 && rm -f /out/pnpm-lock.yaml /out/pnpm-workspace.yaml

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    TITAN_DB=/data/titan.db
WORKDIR /app
# The code belongs to root and is read-only for the server; only /data is the server's.
COPY --from=build /out /app
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# The slim image has no curl; Node's own fetch asks /healthz (the process answers, even while
# it is still starting: readiness is /readyz, for the proxy and the orchestrator).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
