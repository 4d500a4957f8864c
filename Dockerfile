# SCIM 2.0 provisioning service.
#
#   docker build -t scim .
#   docker run --rm -p 8080:8080 -v scim-data:/data scim                 # embedded database in /data
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://... -e ADMIN_TOKEN=... -e JWT_SECRET=... \
#     -e WEBHOOK_SECRET_ENCRYPTION_KEYS=keyId:base64key -e PUBLIC_URL=https://scim.example.com scim
#
# The service applies prisma/migrations itself on start (under an advisory lock), then serves.
#
# Base image: Node.js 26, the Active LTS line since 2026-10-28 (maintenance from October 2027,
# end of life April 2029; https://github.com/nodejs/Release), replacing Node 20, which reached
# end of life in April 2026. Debian 13 "trixie" is the current Debian stable; bookworm left
# regular security support in June 2026. package.json "engines" lists every Node line the code
# runs on; another can be tried with --build-arg NODE_IMAGE=node:24-trixie-slim.
ARG NODE_IMAGE=node:26-trixie-slim

# ---- build: install everything, generate the Prisma client, compile to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# --ignore-scripts skips the dependencies' install scripts, none of which the build needs (one
# downloads Prisma engines that client generation never runs, others try native builds for
# test-only packages), and the root postinstall, whose Prisma client generation `npm run build`
# does anyway. This layer is rebuilt only when the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY prisma.config.ts tsconfig.json tsconfig.build.json vite.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
# The setup portal shows these guides (scripts/build-guides.mjs builds them into dist/web).
COPY docs/providers ./docs/providers
RUN npm run build

# ---- runtime: production dependencies, compiled output and migrations only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# --ignore-scripts: the root postinstall needs the Prisma CLI and schema, neither of which the
# runtime needs (the generated client is compiled into dist/generated).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# Application files stay owned by root (read-only to the service); only /data is writable.
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations

# Embedded (PGlite) mode keeps its database and generated secrets here when no DATABASE_URL is set.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data

USER node
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node as PID 1 receives SIGTERM directly: in-flight requests finish, then it exits 0.
CMD ["node", "dist/main.js"]
