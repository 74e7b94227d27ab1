// Supervision for `npm start`: a service that exits while the shop runs is started again, after a
// back-off that doubles with each exit that came before the service was ready (so a crash loop
// does not spin the CPU), and the launcher says why (exit code or signal) and how long it waits.
// The whole shop stops only on Ctrl-C/SIGTERM, or when one service keeps failing at start:
// `giveUpAfter` exits in a row, each before its /readyz answered (a bad setting, a port taken).
// Compose (`restart: unless-stopped` / `on-failure`) and Kubernetes (a Deployment's pods always
// restart, with the kubelet's own back-off) do the same for containers; see docs/faults.md.
import type { ChildProcess } from 'node:child_process';

export type State = 'starting' | 'ready' | 'restarting' | 'exited';

/** One service as the launcher runs it; a restart replaces `child` and `exited`. */
export interface Supervised {
  readonly name: string;
  /** How the operator's lines name it when it is one of several replicas (`inventory.3`). */
  readonly label?: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  state: State;
  /** Since the launcher started, for the first start; since the restart, for later ones. */
  readyAfterMs?: number;
  /** How often the launcher started it again. */
  restarts: number;
  /** Exits in a row before the service was ready; a ready service starts again from 0. */
  failuresInARow: number;
}

export interface RestartPolicy {
  /** The wait before the first restart; each further exit before ready doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** This many exits in a row, each before ready, stop the shop. */
  giveUpAfter: number;
}

export const defaultRestartPolicy: RestartPolicy = { firstDelayMs: 250, maxDelayMs: 8_000, giveUpAfter: 5 };

/** The wait before restarting a service that has failed `failuresInARow` times before it was ready. */
export function restartDelayMs(policy: RestartPolicy, failuresInARow: number): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, failuresInARow - 1));
}

/** Why a child exited, as a person reads it: `code 1`, `signal SIGKILL`. */
export function exitReason(child: ChildProcess, code: number | null): string {
  return child.signalCode === null ? `code ${code}` : `signal ${child.signalCode}`;
}

export interface SupervisorHooks {
  /** A new process for the service (as at the first start). */
  spawn(): Pick<Supervised, 'child' | 'exited'>;
  /** True while Ctrl-C/SIGTERM stops the shop: exits are then expected. */
  stopping(): boolean;
  isReady(): Promise<boolean>;
  /** It exited unexpectedly (not while stopping): recorded in .trio/shop.json. */
  exited?(reason: string, pid: number | undefined): void;
  /** A line for the operator (the launcher erases and redraws its table around it). */
  say(text: string, colour: 'red' | 'yellow' | 'green'): void;
  /** The service keeps failing at start: the launcher stops the shop. */
  giveUp(reason: string): void;
  policy?: RestartPolicy;
}

/** Watches `service` for its whole life: every unexpected exit leads to a restart or to giveUp. */
export function supervise(service: Supervised, hooks: SupervisorHooks, startedAt: number): void {
  const policy = hooks.policy ?? defaultRestartPolicy;
  const who = service.label ?? service.name;
  let since = startedAt;
  const watch = () => {
    const { child } = service;
    void service.exited.then(async (code) => {
      const wasReady = service.state === 'ready';
      service.state = 'exited';
      if (hooks.stopping()) return;
      service.failuresInARow = wasReady ? 1 : service.failuresInARow + 1;
      const reason = exitReason(child, code);
      hooks.exited?.(reason, child.pid);
      if (!wasReady && service.failuresInARow >= policy.giveUpAfter) {
        hooks.giveUp(
          `${who} exited (${reason}) ${service.failuresInARow} times in a row before it was ready; stopping the shop.`,
        );
        return;
      }
      const delay = restartDelayMs(policy, service.failuresInARow);
      hooks.say(
        `${who} exited unexpectedly (${reason}${wasReady ? '' : ', before it was ready'}); ` +
          `restarting it in ${(delay / 1000).toFixed(2)} s (restart ${service.restarts + 1}).`,
        'red',
      );
      service.state = 'restarting';
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (hooks.stopping()) return;
      Object.assign(service, hooks.spawn(), { state: 'starting', restarts: service.restarts + 1 });
      since = Date.now();
      watch();
      void untilReady();
    });
  };
  // After a restart the launcher's own readiness loop may be over: poll this service's /readyz.
  const untilReady = async () => {
    const child = service.child;
    while (service.child === child && service.state === 'starting' && !hooks.stopping()) {
      if (await hooks.isReady()) {
        if (service.child !== child || service.state !== 'starting') return;
        service.state = 'ready';
        service.failuresInARow = 0;
        service.readyAfterMs = Date.now() - since;
        hooks.say(
          `${who} is ready again ${(service.readyAfterMs / 1000).toFixed(1)} s after restart ${service.restarts}.`,
          'green',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  watch();
}
