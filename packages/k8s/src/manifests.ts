// Builds an overlay of infra/k8s the way `kubectl apply -k` would, with kubectl's built-in
// kustomize and nothing else (no cluster, no network), and hands the objects to the checks.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const k8sDir = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));

export type Overlay = 'dev' | 'prod';
export const overlays: readonly Overlay[] = ['dev', 'prod'];
/** An overlay with the observability component (test/observability.test.ts checks them). */
export type ObservedOverlay = `${Overlay}-observability`;
export type AnyOverlay = Overlay | ObservedOverlay;
/** The namespace each overlay deploys into. */
export const namespaceOf: Record<AnyOverlay, string> = {
  dev: 'trio-shop-dev',
  prod: 'trio-shop',
  'dev-observability': 'trio-shop-dev',
  'prod-observability': 'trio-shop',
};

/** What every Kubernetes object has; the rest is the kind's business (see models.ts). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `kubectl kustomize <dir>`: the YAML stream `kubectl apply -k <dir>` would send. */
export function kustomize(dir: string): string {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  try {
    return execFileSync(kubectl, ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        `${kubectl} not found: the checks build the manifests with kubectl's kustomize (kubectl 1.27 or ` +
          'later); install kubectl or point KUBECTL at it',
      );
    }
    throw new Error(`${kubectl} kustomize ${dir} failed:\n${failure.stderr || failure.message}`);
  }
}

/** Every document of a YAML stream, each checked to look like a Kubernetes object. */
export function parseStream(text: string): KubeObject[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`document ${index + 1}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (!isKubeObject(value)) {
      throw new Error(`document ${index + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return value;
  });
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Partial<KubeObject>;
  return (
    typeof apiVersion === 'string' &&
    typeof kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.name === 'string'
  );
}

const built = new Map<AnyOverlay, KubeObject[]>();

/** The objects of infra/k8s/overlays/<overlay>, built once per test process. */
export function buildOverlay(overlay: AnyOverlay): KubeObject[] {
  let objects = built.get(overlay);
  if (objects === undefined) {
    objects = parseStream(kustomize(`${k8sDir}overlays/${overlay}`));
    built.set(overlay, objects);
  }
  return objects;
}

/** `kind/name`, how kubectl names an object in its messages. */
export function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
