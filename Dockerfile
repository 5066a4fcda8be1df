# Vitrail container image: a build stage compiles TypeScript and native modules, the runtime stage keeps
# only what `vitrail serve` needs and runs as the unprivileged "node" user of the official image.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and argon2 fall back to compiling from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY test ./test
# npm ci runs the "prepare" script, which compiles src/ into dist/.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf dist/test

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    VITRAIL_DATA_DIR=/data \
    VITRAIL_HOST=0.0.0.0 \
    VITRAIL_PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/node_modules ./node_modules
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.VITRAIL_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/vitrail.js"]
CMD ["serve"]
