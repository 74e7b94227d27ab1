// Loaded with `node --import` by `npm run dev`: every `@trio/*` import that resolves to a package's
// compiled `dist/<file>.js` loads that package's `src/<file>.ts` instead (Node strips the types).
// `node --watch` then watches the shared packages' sources the service really imports, so an edit
// in packages/contracts or packages/service-runtime reloads the service without a build step.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const compiled = /^(file:\/\/.*\/(?:packages|services)\/[^/]+\/)dist\/(.+)\.js$/;

/** The source of a workspace package's compiled file, when it has one. */
export function sourceOf(url: string): string | undefined {
  const match = compiled.exec(url);
  if (match === null || url.includes('/node_modules/')) return undefined;
  const source = `${match[1]}src/${match[2]}.ts`;
  return existsSync(fileURLToPath(source)) ? source : undefined;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (!specifier.startsWith('@trio/')) return resolved;
    const source = sourceOf(resolved.url);
    return source === undefined ? resolved : { url: source, shortCircuit: true };
  },
});
