# syntax=docker/dockerfile:1.7
# Navius for AWS: dependencies → build → runtime. test/delivery/dockerfile.spec.ts holds the rules this file keeps.

ARG NODE_VERSION=24.21.0
ARG DEBIAN_RELEASE=bookworm

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# Production dependencies only: no install script runs (none of them needs one, see package.json allowScripts).
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

FROM base AS build
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
# The `node` devDependency pins Node for developers; inside the image the base image's Node builds.
RUN rm -f node_modules/.bin/node
COPY tsconfig.json .swcrc nest-cli.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="navius" \
      org.opencontainers.image.description="Navius for AWS: documents API on NestJS with Entra ID, RDS, ElastiCache and S3" \
      org.opencontainers.image.vendor="Navius" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.source="https://gitlab.com/navius/navius-aws" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim"

# tini as PID 1 forwards SIGTERM to Node and reaps zombies; the slim image has no curl, so nothing else is added.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*

# RDS's global CA bundle, fetched at build time; Node trusts it on top of its own roots for TLS to RDS.
ADD --chmod=0644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem

WORKDIR /app
# The root file system is read-only at run time: everything that writes goes to /tmp (a tmpfs in ECS and compose).
ENV NODE_ENV=production \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/rds-global-bundle.pem \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOCAL_DATA_DIR=/tmp/navius \
    TMPDIR=/tmp \
    HOME=/tmp \
    NPM_CONFIG_CACHE=/tmp/.npm

COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root docker/healthcheck.mjs ./healthcheck.mjs

# The node user (uid 1000) of the base image: owns nothing under /app, so the code cannot be rewritten.
USER 1000:1000
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD ["node", "healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# As `npm start` (a test holds them equal). V8's allocation-site pretenuring mistakes each request's short-lived
# objects for long-lived ones under load and allocates them in the old generation: slow scavenges, a mark-compact
# every few seconds and a growing heap. Off, the p99 and the resident memory drop (README, Benchmarks).
CMD ["node", "--no-allocation-site-pretenuring", "--require", "./dist/observability/telemetry.preload.js", "dist/main.js"]
