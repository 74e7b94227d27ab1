// What a set of NetworkPolicies lets through, computed the way the API defines it: a pod selected
// by no policy of a direction is open in that direction; a selected pod accepts only what one of
// its policies' rules allows; a connection needs the caller's egress and the callee's ingress.
// Endpoints are pods (with a namespace and labels) or addresses outside the cluster.
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';

type LabelSelector = NonNullable<NonNullable<INetworkPolicy['spec']>['podSelector']>;
type Rule = { ports?: PolicyPort[] };
type PolicyPort = {
  protocol?: string;
  port?: number | string;
  endPort?: number;
};
type Peer = {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
};

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface Endpoint {
  /** What the flows call it: `catalog`, `kube-dns`, `browser`. */
  name: string;
  ip: string;
  /** A pod's; undefined for an address outside the cluster. */
  pod?: { namespace: string; namespaceLabels: Record<string, string>; labels: Record<string, string> };
  /** What it listens on. */
  ports: EndpointPort[];
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const value = labels[key];
    const ok =
      operator === 'In'
        ? value !== undefined && values.includes(value)
        : operator === 'NotIn'
          ? value === undefined || !values.includes(value)
          : operator === 'Exists'
            ? value !== undefined
            : operator === 'DoesNotExist'
              ? value === undefined
              : false;
    if (!ok) return false;
  }
  return true;
}

function ipToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((sum, part) => sum * 256 + part, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(base) / size);
}

function types(policy: INetworkPolicy): string[] {
  const spec = policy.spec;
  if (spec?.policyTypes !== undefined) return spec.policyTypes;
  return spec?.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

function selects(policy: INetworkPolicy, endpoint: Endpoint): boolean {
  const pod = endpoint.pod;
  if (pod === undefined || policy.metadata?.namespace !== pod.namespace) return false;
  return matchesSelector(policy.spec?.podSelector ?? {}, pod.labels);
}

function peerMatches(peer: Peer, policyNamespace: string | undefined, other: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    const { cidr, except = [] } = peer.ipBlock;
    return inCidr(other.ip, cidr) && !except.some((excluded) => inCidr(other.ip, excluded));
  }
  const pod = other.pod;
  if (pod === undefined) return false;
  const namespaceOk =
    peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : matchesSelector(peer.namespaceSelector, pod.namespaceLabels);
  return namespaceOk && (peer.podSelector === undefined || matchesSelector(peer.podSelector, pod.labels));
}

/** Whether a rule's ports admit `port` on `target` (a named port is the target pod's port of that name). */
function portMatches(ports: PolicyPort[] | undefined, target: Endpoint, port: EndpointPort): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((rule) => {
    if ((rule.protocol ?? 'TCP') !== port.protocol) return false;
    if (rule.port === undefined) return true;
    if (typeof rule.port === 'string') {
      return target.ports.some(
        (named) => named.name === rule.port && named.protocol === port.protocol && named.port === port.port,
      );
    }
    return rule.endPort === undefined
      ? rule.port === port.port
      : port.port >= rule.port && port.port <= rule.endPort;
  });
}

function allowedBy(
  policies: readonly INetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  subject: Endpoint,
  other: Endpoint,
  target: Endpoint,
  port: EndpointPort,
): boolean {
  const applying = policies.filter((policy) => types(policy).includes(direction) && selects(policy, subject));
  if (applying.length === 0) return true;
  return applying.some((policy) => {
    const rules: (Rule & { peers?: Peer[] })[] =
      direction === 'Ingress'
        ? (policy.spec?.ingress ?? []).map((rule) => ({ ports: rule.ports, peers: rule.from }))
        : (policy.spec?.egress ?? []).map((rule) => ({ ports: rule.ports, peers: rule.to }));
    return rules.some(
      (rule) =>
        (rule.peers === undefined ||
          rule.peers.length === 0 ||
          rule.peers.some((peer) => peerMatches(peer, policy.metadata?.namespace, other))) &&
        portMatches(rule.ports, target, port),
    );
  });
}

/** Whether `from` may open a connection to `to` on one of `to`'s ports. */
export function isAllowed(
  policies: readonly INetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: EndpointPort,
): boolean {
  return (
    allowedBy(policies, 'Egress', from, to, to, port) && allowedBy(policies, 'Ingress', to, from, to, port)
  );
}

/** `front-end -> catalog:3001`; `catalog -> kube-dns:53/udp` for protocols other than TCP. */
export function formatFlow(from: string, to: string, port: number, protocol: Protocol = 'TCP'): string {
  return `${from} -> ${to}:${port}${protocol === 'TCP' ? '' : `/${protocol.toLowerCase()}`}`;
}

/**
 * Every flow the policies allow from one of `sources` to one of `destinations`, on every port each
 * destination listens on, leaving out flows with neither end in `namespace` (no policy here
 * governs those).
 */
export function allowedFlows(
  policies: readonly INetworkPolicy[],
  sources: readonly Endpoint[],
  destinations: readonly Endpoint[],
  namespace: string,
): string[] {
  const governed = (endpoint: Endpoint) => endpoint.pod?.namespace === namespace;
  const flows: string[] = [];
  for (const from of sources) {
    for (const to of destinations) {
      if (!governed(from) && !governed(to)) continue;
      for (const port of to.ports) {
        if (isAllowed(policies, from, to, port))
          flows.push(formatFlow(from.name, to.name, port.port, port.protocol));
      }
    }
  }
  return flows.sort();
}
