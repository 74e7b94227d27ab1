// The replicas of a running native shop, as the control channel (control.ts) changes them for a
// rolling deploy: one more replica on the next free loopback address (not routed: no caller knows
// it yet), routing replicas in and out of `.trio/hosts`, and stopping one gracefully (SIGTERM: the
// ZeroRPC server answers new calls ServiceUnavailable and lets the running ones finish).
import { ControlError, type ControlHandlers, type ReplicaInfo, type Stopped } from './control.ts';
import { freeAddress, processLabel, writeHosts } from './replicas.ts';
import type { ServiceSpec } from './services.ts';
import type { Supervised } from './supervise.ts';

export interface FleetProcess extends Supervised {
  spec: ServiceSpec;
  /** Its loopback address. */
  address: string;
  /** Stopped on purpose (a deploy): no restart. */
  retiring?: boolean;
}

export interface FleetHooks<P extends FleetProcess> {
  /** Every process the launcher runs; new replicas are added to it, stopped ones removed. */
  running: P[];
  /** Spawns a process (as at start) and adds it to `running`; not supervised yet. */
  launch(spec: ServiceSpec, extraEnv: Record<string, string>): P;
  /** From now on an exit restarts it. */
  supervise(process: P): void;
  stopTimeoutMs: number;
  /** The set of processes changed: rewrite `.trio/shop.json`. */
  changed(): void;
  say(text: string): void;
}

/** The setting that makes a "bad version" (`npm run deploy -- <svc> --bad`): a broker nobody runs. */
export const badVersionEnv = { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' };

export function createReplicaFleet<P extends FleetProcess>(
  root: string,
  templates: readonly ServiceSpec[],
  hooks: FleetHooks<P>,
): ControlHandlers {
  const supervised = new WeakSet<P>(hooks.running);
  // What `.trio/hosts` lists: every replica at first.
  const routed = new Map<string, string[]>(
    templates.map((spec) => [
      spec.name,
      hooks.running.filter((p) => p.spec.name === spec.name).map((p) => p.address),
    ]),
  );
  const writeRouted = () =>
    writeHosts(
      root,
      [...routed].flatMap(([name, addresses]) => addresses.map((address) => ({ name, address }))),
    );
  writeRouted();

  const templateOf = (service: string) => {
    const spec = templates.find((template) => template.name === service);
    if (spec === undefined)
      throw new ControlError(
        409,
        `${service} does not run as replicas here: start the shop with --replicas ${service}=N to deploy it`,
      );
    return spec;
  };
  const find = (service: string, address: string) => {
    const found = hooks.running.find((p) => p.spec.name === service && p.address === address);
    if (found === undefined) throw new ControlError(404, `no ${service} replica at ${address}`);
    return found;
  };
  const info = (p: P): ReplicaInfo => ({
    service: p.spec.name,
    label: processLabel(p.spec),
    address: p.address,
    ...(p.child.pid === undefined ? {} : { pid: p.child.pid }),
    httpPort: p.spec.httpPort,
    ...(p.spec.rpcPort === undefined ? {} : { rpcPort: p.spec.rpcPort }),
    state: p.state,
    routed: routed.get(p.spec.name)?.includes(p.address) ?? false,
  });

  return {
    replicas(service) {
      templateOf(service);
      return hooks.running.filter((p) => p.spec.name === service).map(info);
    },
    startReplica({ service, bad }) {
      const template = templateOf(service);
      const taken = new Set(hooks.running.filter((p) => p.spec.name === service).map((p) => p.address));
      const spec = { ...template, address: freeAddress(taken) };
      const started = hooks.launch(spec, bad ? badVersionEnv : {});
      void started.exited.then(() => {
        if (!supervised.has(started)) started.state = 'exited';
      });
      hooks.say(
        `${processLabel(spec)}: a new ${service} replica (pid ${started.child.pid}) on ${spec.address}${bad ? ', a bad version (AMQP_URL points at no broker)' : ''}, not routed yet`,
      );
      hooks.changed();
      return info(started);
    },
    route({ service, add, remove }) {
      templateOf(service);
      const processes = add.map((address) => find(service, address));
      const now = (routed.get(service) ?? []).filter((address) => !remove.includes(address));
      for (const p of processes) {
        if (p.state === 'exited' || p.retiring) throw new ControlError(409, `${p.address} is not running`);
        if (!now.includes(p.address)) now.push(p.address);
      }
      if (now.length === 0) throw new ControlError(409, `that would leave ${service} with no replica routed`);
      routed.set(service, now);
      writeRouted();
      for (const p of processes) {
        if (supervised.has(p)) continue;
        supervised.add(p);
        // Routed once its /readyz answered (the deploy checks): ready, and restarted from now on.
        p.state = 'ready';
        hooks.supervise(p);
      }
      hooks.say(`${service} routed to ${now.join(', ')} (.trio/hosts; callers follow within a second)`);
      return { service, routed: now };
    },
    async stopReplica({ service, address }): Promise<Stopped> {
      const p = find(service, address);
      const stillRouted = routed.get(service) ?? [];
      if (stillRouted.includes(address)) {
        if (stillRouted.length === 1)
          throw new ControlError(409, `${address} is ${service}'s last routed replica`);
        routed.set(
          service,
          stillRouted.filter((each) => each !== address),
        );
        writeRouted();
      }
      p.retiring = true;
      const { child } = p;
      hooks.say(`${processLabel(p.spec)}: stopping (pid ${child.pid}), letting its calls in flight finish`);
      if (p.state !== 'exited') child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), hooks.stopTimeoutMs);
      const code = await p.exited;
      clearTimeout(timer);
      p.state = 'exited';
      hooks.running.splice(hooks.running.indexOf(p), 1);
      hooks.changed();
      return { address, code, signal: child.signalCode };
    },
  };
}
