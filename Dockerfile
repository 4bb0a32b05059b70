# One image for every weft component; the entrypoint is the `weft` CLI.
# Stage 1 installs production dependencies only, stage 2 type-strips the sources into plain JS
# (npm run build: ~23 MB less memory per sidecar than loading .ts), stage 3 compiles the
# SO_ORIGINAL_DST addon (transparent capture, docs/capture.md); stage 4 is the slim runtime.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The pinned `node` devDependency is for development machines; the image already is Node 24.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-slim AS build
WORKDIR /src
COPY package.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY api ./api
COPY cli ./cli
COPY proxy ./proxy
COPY control-plane ./control-plane
COPY injector ./injector
COPY crds ./crds
COPY examples ./examples
RUN node --disable-warning=ExperimentalWarning scripts/build-dist.ts --out /dist

# The full image has python3, make and g++; npm bundles node-gyp; the image's own headers
# (/usr/local/include/node) mean nothing is downloaded. N-API 8: the binary loads in any Node >= 16.
FROM node:24 AS addon
WORKDIR /addon
COPY proxy/capture/original-dst/binding.gyp proxy/capture/original-dst/original_dst.c ./
RUN node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=/usr/local

FROM node:24-slim
# iptables: `weft init` (the injected init container) writes the traffic-capture rules with
# iptables-restore and ip6tables-restore (both in Debian's iptables package).
RUN apt-get update && apt-get install -y --no-install-recommends iptables ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /dist ./
COPY --from=addon /addon/build/Release/original_dst.node ./proxy/capture/original-dst/build/Release/
# The proxy (and everything else in the image) runs as UID 1337, the UID the capture rules exempt.
USER 1337:1337
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/cli/main.js"]
CMD ["--help"]
