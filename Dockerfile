# One image for every weft component; the entrypoint is the `weft` CLI.
# Stage 1 bundles the sources with esbuild (npm run build: the CLI and its dependencies, tree-shaken,
# one chunk per subcommand, so a sidecar loads only its own code; docs/benchmarks.md, "Memory"),
# stage 2 compiles the SO_ORIGINAL_DST addon (transparent capture, docs/capture.md); stage 3 is the
# slim runtime, which needs no node_modules: the bundle carries its dependencies.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies too: esbuild builds the bundle. No install scripts: the pinned `node`
# devDependency is for development machines (the image already is Node 24), and the addon is built
# in its own stage.
RUN npm ci --ignore-scripts && npm cache clean --force
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
COPY --from=build /dist ./
COPY --from=addon /addon/build/Release/original_dst.node ./proxy/capture/original-dst/build/Release/
# The proxy (and everything else in the image) runs as UID 1337, the UID the capture rules exempt.
USER 1337:1337
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/cli/main.js"]
CMD ["--help"]
