# meshgate's image: every service (api, ca, xds, watcher) and the CLI; docker-compose.yml picks
# the process with `command`, e.g. `node services/api/dist/src/main.js`.
#
# build:   the whole workspace, `npm ci` + `npm run build` (tsc).
# runtime: the compiled output of the workspaces the services and the CLI run, with production
#          dependencies only — the test kit, e2e and bench workspaces (and testcontainers) are
#          left out by scripts/runtime-manifest.mjs.

FROM node:20-bookworm AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build
# What the runtime stage installs: the runtime workspaces' manifests and dist/, the CLI's bin,
# the proto files the CA's gRPC service loads, and the root manifest without test workspaces.
RUN mkdir -p /out/scripts \
 && cp package-lock.json /out/ \
 && cp package.json /out/ && node scripts/runtime-manifest.mjs /out/package.json \
 && for workspace in $(node -p "require('/out/package.json').workspaces.join(' ')"); do \
      mkdir -p "/out/$workspace" && cp "$workspace/package.json" "/out/$workspace/" && cp -r "$workspace/dist" "/out/$workspace/" \
      && if [ -d "$workspace/bin" ]; then cp -r "$workspace/bin" "/out/$workspace/"; fi; \
    done \
 && cp -r proto /out/proto

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MESHGATE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /out/ ./
RUN npm install --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && test ! -e node_modules/@meshgate/testkit \
 && mkdir -p /var/lib/meshgate && chown node:node /var/lib/meshgate
ENV MESHGATE_DATA_DIR=/var/lib/meshgate
USER node
# The embedded default; docker-compose.yml runs each service on its own instead.
CMD ["node", "cli/dist/src/main.js", "up"]
