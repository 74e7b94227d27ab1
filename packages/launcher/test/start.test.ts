// `npm start` as a user runs it: the launcher as a process, the eight built services as its
// children, on this file's own database, Redis database and exchange (the ports are the shop's
// fixed ones, so nothing else may listen on 3001-3008, 4242-4244 and 8080 meanwhile).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPort } from '@trio/testing/http';
import { journeyAccount, storefrontJourney } from '@trio/testing/journey';
import { waitFor } from '@trio/testing/wait';
import { serviceEnv } from '../src/services.ts';
import { readSpanRecords } from '../src/spans-file.ts';
import { type ObserveState, pidAlive, readShopState } from '../src/state.ts';
import { buildTree, flatten, type Transport } from '../src/trace-view.ts';
import { killGroup, ready, repoRoot, useLaunchedShop } from './support/launch.ts';

const traceCli = fileURLToPath(new URL('../src/trace.ts', import.meta.url));
const shop = useLaunchedShop(11);
const launch = shop.launch;

/** Every TCP socket a process listens on, as `address:port` (Linux: /proc/net/tcp{,6} and its fds). */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]].filter(Boolean);
      } catch {
        return []; // closed meanwhile
      }
    }),
  );
  return ['tcp', 'tcp6'].flatMap((table) =>
    readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // Columns: sl, local address, remote address, state (0A: LISTEN), …, inode (the tenth).
      .filter((columns) => columns[3] === '0A' && inodes.has(columns[9] ?? ''))
      .map((columns) => {
        const [hexAddress = '', hexPort = ''] = (columns[1] ?? '').split(':');
        const port = Number.parseInt(hexPort, 16);
        if (table === 'tcp6') return `[${hexAddress}]:${port}`;
        // IPv4 in the kernel's byte order: 0100007F is 127.0.0.1.
        const octets = (hexAddress.match(/../g) ?? []).map((byte) => Number.parseInt(byte, 16)).reverse();
        return `${octets.join('.')}:${port}`;
      }),
  );
}

describe('npm start', () => {
  test('starts the eight services, says where the shop is, and stops them all on SIGTERM', async () => {
    const run = launch();
    try {
      const report = await ready(run);
      assert.deepEqual(report.services.map((service) => service.name).sort(), [
        'billing',
        'catalog',
        'front-end',
        'inventory',
        'payment',
        'profiles',
        'recommendations',
        'shipping',
      ]);
      assert.match(run.output(), /Trio Shop is ready in [\d.]+ s: http:\/\/localhost:8080\//);
      for (const name of ['catalog', 'billing', 'front-end', 'inventory']) {
        assert.match(
          run.output(),
          new RegExp(`^${name} +│ \\d\\d:\\d\\d:\\d\\d INFO `, 'm'),
          `${name}'s lines, prefixed`,
        );
      }
      // Nothing the shop opens is reachable from another machine: every port binds loopback.
      const listening = report.services.flatMap((service) => listeningAddresses(service.pid!)).sort();
      const shopPorts = [3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 4242, 4243, 4244, 8080];
      assert.deepEqual(
        listening,
        shopPorts.map((port) => `127.0.0.1:${port}`).sort(),
        'every service port, on 127.0.0.1 only',
      );
      // The storefront's probes and metrics are on its admin port, not the public one.
      assert.equal((await fetch('http://127.0.0.1:8080/metrics')).status, 404);
      assert.equal((await fetch('http://127.0.0.1:3008/readyz')).status, 200);

      const home = await fetch('http://127.0.0.1:8080/');
      assert.equal(home.status, 200);
      const products = (await (await fetch('http://127.0.0.1:8080/api/products')).json()) as {
        total: number;
      };
      assert.ok(products.total > 100, 'the demo catalogue was loaded');

      // Something to find again after a restart.
      const email = `launcher-${crypto.randomUUID()}@example.com`;
      const registered = await fetch('http://127.0.0.1:8080/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8080' },
        body: JSON.stringify({ email, password: 'correct horse battery', name: 'Ada Launcher' }),
      });
      assert.equal(registered.status, 201);

      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
      assert.match(run.output(), /stopping the shop/);
      for (const service of report.services) assert.ok(!pidAlive(service.pid), `${service.name} stopped`);
      const stopped = (name: string) =>
        run.output().search(new RegExp(`^${name} +│ .*shutdown complete`, 'm'));
      assert.ok(stopped('front-end') > 0, 'the front-end shut down gracefully');
      assert.ok(stopped('front-end') < stopped('billing'), 'the front-end stopped before billing');
      assert.ok(stopped('billing') < stopped('catalog'), 'billing stopped before catalog');

      // A restart keeps the data: the same customer logs in.
      const again = launch();
      try {
        await ready(again);
        const login = await fetch('http://127.0.0.1:8080/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8080' },
          body: JSON.stringify({ email, password: 'correct horse battery' }),
        });
        assert.equal(login.status, 200);
        again.child.kill('SIGTERM');
        assert.equal(await again.exited, 0);
      } finally {
        killGroup(again);
      }
    } finally {
      killGroup(run);
    }
  });

  test('--observe: a checkout is one trace across six services and three transports, and npm run trace draws it', async () => {
    const spansFile = join(mkdtempSync(join(tmpdir(), 'trio-observe-')), 'spans.jsonl');
    const run = launch({ TRIO_SPANS_FILE: spansFile }, ['--observe']);
    try {
      const report = (await ready(run)) as { observe?: ObserveState };
      assert.equal(report.observe?.spansFile, spansFile);
      assert.match(run.output(), /--observe: spans go to /);
      const journey = await storefrontJourney('http://127.0.0.1:8080', 'Ada Observe');
      assert.match(journey.traceId ?? '', /^[0-9a-f]{32}$/, 'the order JSON names its trace');
      // The services export in batches (every 0.5 s); the consumers end after the checkout answered.
      const transports = ['amqp', 'http', 'zerorpc'];
      const tree = await waitFor('the checkout trace, connected, with its consumers', () => {
        const found = buildTree(readSpanRecords(spansFile), journey.traceId ?? '');
        const done =
          found !== undefined &&
          found.roots.length === 1 &&
          transports.every((transport) => found.transports.includes(transport as Transport)) &&
          flatten(found).filter(({ node }) => node.name === 'process order.confirmed').length >= 3;
        return done ? found : undefined;
      }).catch(() => buildTree(readSpanRecords(spansFile), journey.traceId ?? ''));
      assert.ok(tree, `no span of trace ${journey.traceId} in ${spansFile}`);
      assert.equal(tree.roots.length, 1, `one connected tree: roots ${tree.roots.map((root) => root.name)}`);
      assert.match(tree.roots[0]!.name, /^POST/, 'rooted at the storefront’s request');
      assert.equal(tree.roots[0]!.service, 'front-end');
      assert.ok(tree.services.length >= 6, `at least six services: ${tree.services}`);
      for (const transport of transports)
        assert.ok(tree.transports.includes(transport as Transport), `${transport} in ${tree.transports}`);
      process.stdout.write(
        `# --observe checkout trace: ${tree.services.length} services, ${tree.spans} spans, ` +
          `transports ${tree.transports.join(', ')}; ${tree.durationMs.toFixed(0)} ms (${spansFile})\n`,
      );

      // npm run trace -- <orderId>: the same trace, drawn.
      const html = join(dirname(spansFile), 'trace.html');
      const drawn = execFileSync(
        process.execPath,
        [traceCli, journey.orderId, '--file', spansFile, '--html', html],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
      assert.match(readFileSync(html, 'utf8'), /publish order\.confirmed/, `the HTML waterfall (${html})`);
      assert.match(drawn, new RegExp(`^trace ${journey.traceId}: `));
      for (const name of [...tree.services, ...transports])
        assert.match(drawn, new RegExp(`\\b${name}\\b`), `the waterfall names ${name}`);
      assert.match(drawn, /publish order\.confirmed/);
      assert.match(drawn, /checkout authorize payment/);

      // Prometheus, where Debian's package is installed, scrapes every service.
      if (report.observe?.prometheusUrl !== undefined) {
        const targets = await waitFor(
          'Prometheus to scrape the eight services',
          async () => {
            const reply = (await (await fetch(`${report.observe?.prometheusUrl}api/v1/targets`)).json()) as {
              data: { activeTargets: { labels: { job: string }; health: string }[] };
            };
            const shop = reply.data.activeTargets.filter((target) => target.labels.job === 'trio-shop');
            return shop.length === 8 && shop.every((target) => target.health === 'up') ? shop : undefined;
          },
          30_000,
        );
        assert.equal(targets.length, 8);
      } else {
        assert.match(run.output(), /sudo apt-get install prometheus/);
      }
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      killGroup(run);
    }
  });

  test('survives kill -9 of any one service: it is restarted and the storefront journey passes again', async () => {
    const run = launch();
    try {
      const report = await ready(run);
      // One customer for every journey: registrations are limited per shopper address.
      const account = journeyAccount();
      await storefrontJourney('http://127.0.0.1:8080', 'Ada Journey', account);
      const pids = new Map(report.services.map((service) => [service.name, service.pid]));
      const recovered: string[] = [];
      for (const [name, pid] of pids) {
        // Only what the launcher says after this kill counts (a service may have restarted before).
        const mark = run.output().length;
        const since = () => run.output().slice(mark);
        const killedAt = Date.now();
        process.kill(pid!, 'SIGKILL');
        await waitFor(`${name} ready again`, () => since().includes(`${name} is ready again`), 60_000);
        const readyAgain = Date.now() - killedAt;
        await waitFor(
          `${name} restarted and the journey passing again`,
          async () => {
            try {
              await storefrontJourney('http://127.0.0.1:8080', 'Ada Journey', account);
              return true;
            } catch {
              return false;
            }
          },
          // A bound on the test, not a performance figure: the note and docs/faults.md give those.
          60_000,
        );
        recovered.push(
          `${name} ready ${(readyAgain / 1000).toFixed(1)} s, journey ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
        );
        // The table, printed again after the restart, counts it.
        assert.match(since(), new RegExp(`^  ${name} +http://localhost:\\d+.* [1-9]\\d*  ready`, 'm'));
        assert.match(
          since(),
          new RegExp(`${name} exited unexpectedly \\(signal SIGKILL\\); restarting it in`),
        );
      }
      // .trio/shop.json records every kill (the workshop's lab 5 reads it) and the restarted pids.
      const lookup = readShopState(repoRoot);
      if (!lookup.found) assert.fail(lookup.why);
      const { state } = lookup;
      for (const [name, pid] of pids) {
        const exit = state.exits?.find((each) => each.name === name && each.pid === pid);
        assert.equal(exit?.reason, 'signal SIGKILL', `${name}'s kill is recorded`);
        const now = state.services.find((service) => service.name === name);
        assert.ok(now?.pid !== pid && (now?.restarts ?? 0) >= 1, `${name} runs again with a new pid`);
      }
      // The measured recovery (kill -9 to a journey that passes), one line per service.
      process.stdout.write(`# kill -9 → journey passes: ${recovered.join(', ')}\n`);
      // Exits the test did not cause, if any, for the record.
      const others = run.output().match(/^.* exited unexpectedly \((?!signal SIGKILL).*$/gm) ?? [];
      process.stdout.write(`# other exits: ${others.length === 0 ? 'none' : others.join(' | ')}\n`);
      assert.equal(run.child.exitCode, null, 'the launcher still runs');
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      killGroup(run);
    }
  });

  test('fault flags switched by `npm run fault` act on the running shop without a restart', async () => {
    const run = launch();
    const fault = shop.fault;
    let lastFailure = '';
    // One customer for every journey: registrations are limited per shopper address.
    const account = journeyAccount();
    const passes = async () => {
      try {
        await storefrontJourney('http://127.0.0.1:8080', 'Ada Journey', account);
        return true;
      } catch (error) {
        lastFailure = String(error);
        return false;
      }
    };
    const passesAgain = () =>
      waitFor('the journey to pass again', passes, 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; the last failure: ${lastFailure}`);
      });
    // Seconds from each step to what it should cause, printed for the record (not asserted).
    const timings: string[] = [];
    let since = Date.now();
    const took = (label: string) => {
      timings.push(`${label} ${((Date.now() - since) / 1000).toFixed(1)} s`);
      since = Date.now();
    };
    try {
      await ready(run);
      assert.match(fault('list'), /no faults set/);
      since = Date.now();

      // REST: catalog answers 503, so the storefront cannot list products; cleared, it can. A
      // search of its own each time: the storefront keeps the product lists it has shown (in this
      // file's Redis, across its launches), so only a list it has not shown must come from catalog.
      fault('set', 'catalog', 'http-error=1');
      let searches = 0;
      await waitFor(
        'catalog to fail',
        async () =>
          (await fetch(`http://127.0.0.1:8080/api/products?q=fault${Date.now()}x${searches++}`)).status !==
          200,
      );
      took('catalog http-error=1 → products fail');
      assert.match(
        await (await fetch('http://127.0.0.1:3001/metrics')).text(),
        /^faults_injected_total\{kind="http-error",service="catalog"\} [1-9]/m,
      );
      assert.match(fault('list'), /^catalog +http-error=1$/m);
      fault('clear', 'catalog');
      await passesAgain();
      took('cleared → journey passes');

      // ZeroRPC: inventory answers ERR FaultInjected, so no checkout goes through.
      fault('set', 'inventory', 'rpc-error=1');
      await waitFor('checkouts to fail', async () => !(await passes()), 30_000);
      took('inventory rpc-error=1 → journey fails');
      // Failed by the fault: inventory counted the errors it injected.
      assert.match(
        await (await fetch('http://127.0.0.1:3005/metrics')).text(),
        /^faults_injected_total\{kind="rpc-error",service="inventory"\} [1-9]/m,
        lastFailure,
      );
      fault('clear');
      await passesAgain();
      took('cleared → journey passes');

      // Crash: recommendations exits once (code 1); the launcher restarts it.
      fault('set', 'recommendations', 'crash');
      await waitFor(
        'recommendations ready again',
        () => run.output().includes('recommendations is ready again'),
        30_000,
      );
      took('recommendations crash → ready again');
      process.stdout.write(`# fault flags: ${timings.join(', ')}\n`);
      assert.match(run.output(), /recommendations exited unexpectedly \(code 1\)/);
      assert.match(fault('list'), /no faults set/, 'the crash was one-shot');
      for (const name of ['catalog', 'inventory', 'payment', 'billing', 'front-end']) {
        assert.doesNotMatch(run.output(), new RegExp(`${name} exited`), `${name} kept running`);
      }
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      fault('clear');
      killGroup(run);
    }
  });

  test('--except front-end runs the other seven; a front-end started by hand joins them', async () => {
    const run = launch({}, ['--except', 'front-end']);
    let frontEnd: ChildProcess | undefined;
    try {
      const report = await ready(run);
      assert.deepEqual(report.services.map((service) => service.name).sort(), [
        'billing',
        'catalog',
        'inventory',
        'payment',
        'profiles',
        'recommendations',
        'shipping',
      ]);
      assert.match(run.output(), /front-end +not started here: expected at http:\/\/localhost:8080\//);
      assert.equal(await fetch('http://127.0.0.1:3008/readyz').catch(() => 'refused'), 'refused');

      // The team's own copy, as `npm run dev -- front-end` or a debugger would start it.
      const root = fileURLToPath(new URL('../../../', import.meta.url));
      frontEnd = spawn(process.execPath, [join(root, 'services/front-end/dist/main.js')], {
        cwd: join(root, 'services/front-end'),
        env: {
          PATH: process.env.PATH ?? '',
          ...serviceEnv(root, 'front-end', { ...process.env, ...shop.env() }),
        },
        stdio: 'ignore',
      });
      await waitFor(
        'the front-end started by hand to be ready',
        async () => (await fetch('http://127.0.0.1:3008/readyz').catch(() => undefined))?.ok === true,
        30_000,
      );
      const products = (await (await fetch('http://127.0.0.1:8080/api/products')).json()) as {
        items: { sku: string }[];
        total: number;
      };
      assert.ok(products.total > 100, 'the launcher’s catalog answers the front-end');
      const sku = products.items[0]?.sku ?? '';
      const page = await fetch(`http://127.0.0.1:8080/p/${encodeURIComponent(sku)}`);
      assert.equal(page.status, 200, 'a product page, with inventory’s stock');
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      frontEnd?.kill('SIGKILL');
      killGroup(run);
    }
  });

  test('an unknown service name stops it at once, naming the services', async () => {
    const run = launch({}, ['--only', 'catalogue']);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /unknown service "catalogue": the services are catalog, profiles, payment/);
  });

  test('without PostgreSQL (and no Docker engine) it stops within 5 s, naming what is missing', async () => {
    const port = await closedPort();
    const started = Date.now();
    // No Docker engine, even where one runs: otherwise the launcher would start PostgreSQL from
    // docker-compose.yml, and compose would create its default bridge network on this machine.
    const run = launch({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    const code = await run.exited;
    const elapsed = Date.now() - started;
    assert.equal(code, 1);
    assert.ok(elapsed < 5_000, `${elapsed} ms`);
    assert.match(
      run.output(),
      /PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(DATABASE_URL\)/,
    );
    assert.match(run.output(), /set DATABASE_URL/);
  });
});
