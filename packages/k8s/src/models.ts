// The Kubernetes schemas, through kubernetes-models: one model class per apiVersion/kind that the
// manifests use. An object of any other kind has no schema here, which is an error too: a new kind
// gets its model added below, not a pass.
import { Deployment, type IDeployment, type IStatefulSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  type IConfigMap,
  type INamespace,
  type ISecret,
  type IService,
  Namespace,
  Secret,
  Service,
} from 'kubernetes-models/v1';
import type { KubeObject } from './manifests.ts';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
}

const models: readonly ModelClass[] = [
  Namespace,
  ConfigMap,
  Secret,
  Service,
  Deployment,
  StatefulSet,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
];

/**
 * Why the object does not fit its kind's schema (wrong types, missing required fields, values out
 * of an enum), or undefined when it fits. The schemas allow unknown fields, as the API's do.
 */
export function schemaProblem(object: KubeObject): string | undefined {
  const Model = models.find((model) => model.apiVersion === object.apiVersion && model.kind === object.kind);
  if (Model === undefined) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(unwrapBase64(object) as never).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * kustomize writes a long Secret value as base64 wrapped at 70 characters; the API server decodes it
 * line breaks and all (Go's base64 skips them), but the schema's `byte` format does not allow them.
 */
function unwrapBase64(object: KubeObject): KubeObject {
  const data = object.data;
  if (object.kind !== 'Secret' || typeof data !== 'object' || data === null) return object;
  const unwrapped = Object.entries(data).map(([key, value]) => [
    key,
    typeof value === 'string' ? value.replace(/[\r\n]/g, '') : value,
  ]);
  return { ...object, data: Object.fromEntries(unwrapped) };
}

interface Kinds {
  Namespace: INamespace;
  ConfigMap: IConfigMap;
  Secret: ISecret;
  Service: IService;
  Deployment: IDeployment;
  StatefulSet: IStatefulSet;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  PodDisruptionBudget: IPodDisruptionBudget;
  NetworkPolicy: INetworkPolicy;
}

/** The objects of one kind, typed as the models describe them. */
export function ofKind<K extends keyof Kinds>(objects: readonly KubeObject[], kind: K): Kinds[K][] {
  return objects.filter((object) => object.kind === kind) as unknown as Kinds[K][];
}

/** Every pod template: the Deployments' and the StatefulSets'. */
export function workloads(objects: readonly KubeObject[]): (IDeployment | IStatefulSet)[] {
  return [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
}
