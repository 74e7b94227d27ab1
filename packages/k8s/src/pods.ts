// Reading pod templates: their containers (init containers included), ports, probes and the
// hardening every container of the shop must have. Each check returns problems as sentences
// naming the workload and container, so that a failing test lists everything wrong at once.
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IContainer } from 'kubernetes-models/v1';

type PodSpec = NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>;
export type Probe = NonNullable<IContainer['readinessProbe']>;

export function podSpec(workload: IDeployment | IStatefulSet): PodSpec {
  const spec = workload.spec?.template.spec;
  if (spec === undefined) throw new Error(`${workload.metadata?.name} has no pod spec`);
  return spec;
}

export function podLabels(workload: IDeployment | IStatefulSet): Record<string, string> {
  return workload.spec?.template.metadata?.labels ?? {};
}

/** The init containers, then the containers. */
export function allContainers(workload: IDeployment | IStatefulSet): IContainer[] {
  const spec = podSpec(workload);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function probesOf(container: IContainer): [kind: string, probe: Probe][] {
  const probes: [string, Probe | undefined][] = [
    ['startupProbe', container.startupProbe],
    ['readinessProbe', container.readinessProbe],
    ['livenessProbe', container.livenessProbe],
  ];
  return probes.filter((entry): entry is [string, Probe] => entry[1] !== undefined);
}

/** The port a probe connects to (httpGet, tcpSocket or grpc), by name or number; exec probes have none. */
export function probePort(probe: Probe): number | string | undefined {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
}

/** Whether `port` (a name or a number) is one of the container's declared ports. */
export function declaresPort(container: IContainer, port: number | string): boolean {
  return (container.ports ?? []).some((declared) =>
    typeof port === 'string' ? declared.name === port : declared.containerPort === port,
  );
}

/**
 * What is missing from a container's hardening: non-root, no privilege escalation, read-only root
 * filesystem, every capability dropped, the RuntimeDefault seccomp profile (the container's or the
 * pod's), and requests and limits of CPU and memory.
 */
export function hardeningProblems(
  workload: IDeployment | IStatefulSet,
  container: IContainer,
  options: { readOnlyRootFilesystem: boolean } = { readOnlyRootFilesystem: true },
): string[] {
  const pod = podSpec(workload).securityContext ?? {};
  const own = container.securityContext ?? {};
  const where = `${workload.metadata?.name}/${container.name}`;
  const problems: string[] = [];
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
  const user = own.runAsUser ?? pod.runAsUser;
  if (user === undefined || user === 0) problems.push(`${where}: runs as root or as the image's user`);
  if (own.allowPrivilegeEscalation !== false)
    problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (options.readOnlyRootFilesystem && own.readOnlyRootFilesystem !== true) {
    problems.push(`${where}: readOnlyRootFilesystem is not true`);
  }
  if (!(own.capabilities?.drop ?? []).includes('ALL'))
    problems.push(`${where}: capabilities do not drop ALL`);
  if ((own.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
  if ((own.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') {
    problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  }
  for (const bound of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[bound]?.[resource] === undefined) {
        problems.push(`${where}: no ${resource} in resources.${bound}`);
      }
    }
  }
  return problems;
}
