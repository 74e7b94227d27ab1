// Every service's Dockerfile comes from this one template, so that the eight stay alike; a test
// compares each services/<name>/Dockerfile with it (`npm run dockerfiles -w @trio/containers`
// rewrites them after a change here).
//
// The first two stages (prune, workspace) are the same text in all eight files: the workspace that
// installs and builds the eight services once. Docker's layer cache keys a step on its parent and
// its instruction (and a COPY on the files' checksums), so after one build made them, the other
// seven images take both stages from the cache and only cut the workspace down to their service:
// `buildImages` builds the workspace stage first, then the images. Each file still builds alone.
import { baseImage, type ImageSpec, images, probePort, turboVersion } from './services.ts';

/** The stage every image starts its own from: the installed and built workspace of the eight services. */
export const workspaceStage = 'workspace';

/** The prune and workspace stages, identical in every service's Dockerfile (the layer cache shares them). */
export function workspaceStages(): string {
  const services = images.map(({ name }) => `@trio/${name}`).sort();
  const filters = services.map((name) => ` \\\n    --filter=${name}...`).join('');
  return `# 1. The monorepo pruned to the eight services and the packages they use. out/json holds only
#    their package.json files and lockfile, so the install layer below is rebuilt only when they
#    change. Stages 1 and 2 are the same in all eight Dockerfiles: built once, the other images take
#    them from the layer cache.
FROM \${NODE_IMAGE} AS prune
WORKDIR /repo
COPY . .
RUN npx --yes turbo@${turboVersion} prune ${services.join(' ')} --docker

# 2. Install (with dev dependencies: the build needs TypeScript and turbo) and build the eight
#    services. tsconfig.base.json is copied on its own: prune leaves it out.
FROM \${NODE_IMAGE} AS ${workspaceStage}
WORKDIR /repo
COPY --from=prune /repo/out/json/ ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ ./
COPY tsconfig.base.json ./
RUN npx turbo run build${filters}
`;
}

export function dockerfileFor(spec: ImageSpec): string {
  const ports = [spec.httpPort, spec.adminPort, spec.rpcPort].filter((port) => port !== undefined).join(' ');
  const role =
    spec.rpcPort !== undefined
      ? `ZeroRPC on ${spec.rpcPort}, health and metrics on ${spec.httpPort}`
      : spec.adminPort !== undefined
        ? `HTTP on ${spec.httpPort}, health and metrics on ${spec.adminPort}`
        : `HTTP on ${spec.httpPort}`;
  // Natively a service binds loopback only; in a container the container's network is the
  // boundary, and its ports must answer on the container's address.
  const bind = spec.rpcPort === undefined ? 'HTTP_HOST=0.0.0.0' : 'HTTP_HOST=0.0.0.0 RPC_HOST=0.0.0.0';
  return `# ${spec.name} (${role}). Built from the repository root:
#   docker build -f services/${spec.name}/Dockerfile -t trio-shop/${spec.name} .
# Generated from packages/containers/src/dockerfile.ts: change it there, then
# \`npm run dockerfiles -w @trio/containers\`.
ARG NODE_IMAGE=${baseImage}

${workspaceStages()}
# 3. Keep only what ${spec.name} runs: prune follows devDependencies too (a service's tests may start
#    other services), so runtime-only.mjs removes the workspaces outside the service's production
#    closure before \`npm prune --omit=dev\`.
FROM ${workspaceStage} AS build
COPY packages/containers/docker/runtime-only.mjs /usr/local/lib/trio/runtime-only.mjs
RUN node /usr/local/lib/trio/runtime-only.mjs ${spec.name} \\
 && npm prune --omit=dev --no-audit --no-fund

# 4. What runs: production dependencies, the built packages and the service, as a non-root user.
FROM \${NODE_IMAGE}
ENV NODE_ENV=production ${bind}
WORKDIR /app
COPY --from=build --chown=node:node /repo/node_modules ./node_modules
COPY --from=build --chown=node:node /repo/packages ./packages
COPY --from=build --chown=node:node /repo/services/${spec.name} ./services/${spec.name}
USER node
EXPOSE ${ports}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \\
  CMD ["node", "-e", "fetch('http://127.0.0.1:${probePort(spec)}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "@trio/service-runtime/instrument", "services/${spec.name}/dist/main.js"]
`;
}
