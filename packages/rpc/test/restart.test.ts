// A real crash, not a stand-in: the server runs in a child process (test/fixtures/calculator-server.ts)
// that is killed with SIGKILL, so it neither closes its socket nor answers anything. A new process
// then binds the same port, and the client that was connected all along must reach it again.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RpcServiceClient } from '../src/client.ts';
import { CircuitOpen, LostRemote, TimeoutExpired } from '../src/errors.ts';
import type { calculatorRpc } from './support/calculator.ts';
import { connectClient, restartableEndpoint, testHeartbeatMs, within } from './support/harness.ts';

const fixture = fileURLToPath(new URL('./fixtures/calculator-server.ts', import.meta.url));

interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  endpoint: string;
}

/** The fixture exited before it was ready; `stderr` says why (`bind failed EADDRINUSE …`). */
class ServerExited extends Error {
  readonly stderr: string;
  constructor(stderr: string, code: number | null, signal: NodeJS.Signals | null) {
    super(`calculator process exited (code ${code}, signal ${signal}) before it was ready: ${stderr.trim()}`);
    this.stderr = stderr;
  }
}

const isLost = (error: unknown) => error instanceof LostRemote || error instanceof TimeoutExpired;
/** While the server stays down the client's breaker opens: calls then fail at once (CircuitOpen). */
const isDown = (error: unknown) => isLost(error) || error instanceof CircuitOpen;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every child started by this file, so that `finally` can kill whatever is still running. */
const children = new Set<ChildProcessWithoutNullStreams>();

/** Starts the fixture (on `endpoint`, or an ephemeral port) and waits for its ready line. */
function spawnServer(endpoint?: string): Promise<ServerProcess> {
  const { NODE_TEST_CONTEXT: _runnerOnly, ...env } = process.env; // the child is no test file
  const child = spawn(process.execPath, endpoint === undefined ? [fixture] : [fixture, endpoint], { env });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ready = new Promise<ServerProcess>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^ready (tcp:\/\/\S+)$/.exec(line);
      if (match !== null) resolve({ child, endpoint: match[1]! });
    });
    child.once('error', reject);
    child.once('close', (code, signal) => reject(new ServerExited(stderr, code, signal)));
  });
  return within(10_000, ready, 'calculator process start');
}

/** A new process on the endpoint the killed one had; the port may be briefly taken still. */
async function respawnOn(endpoint: string): Promise<ServerProcess> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      return await spawnServer(endpoint);
    } catch (error) {
      const taken = error instanceof ServerExited && error.stderr.includes('EADDRINUSE');
      if (!taken || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** SIGKILL: the process dies at once, without closing anything. Resolves once it is gone. */
async function crash(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  children.delete(child);
}

/** Calls until one is answered; calls lost while the client reconnects are tried again. */
async function callUntilAnswered(
  client: RpcServiceClient<typeof calculatorRpc>,
  ms: number,
): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await client.invoke('add', [3, 4], { timeoutMs: 4 * testHeartbeatMs });
    } catch (error) {
      if (!isDown(error) || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe('server process restarts', () => {
  test('when the server process is killed with SIGKILL and a new one starts on the same port, the same client reaches it again', async () => {
    let client: RpcServiceClient<typeof calculatorRpc> | undefined;
    try {
      const first = await spawnServer(await restartableEndpoint());
      client = connectClient(first.endpoint, { retry: false }); // heartbeats at testHeartbeatMs
      assert.equal(await within(5000, client.call('add', 1, 1), 'call before the crash'), 2);

      await crash(first.child);
      // Nothing listens: the call fails, bounded (LostRemote after two silent heartbeat intervals).
      await assert.rejects(
        within(10_000, client.invoke('add', [2, 2], { timeoutMs: 5000 }), 'call while the server is down'),
        isLost,
      );

      const second = await respawnOn(first.endpoint);
      assert.equal(second.endpoint, first.endpoint);
      assert.equal(await within(15_000, callUntilAnswered(client, 10_000), 'call after the restart'), 7);
    } finally {
      await client?.close();
      await Promise.all([...children].map(crash));
    }
  });
});
