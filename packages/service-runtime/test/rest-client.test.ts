// The typed REST client against a real HTTP server whose routes come from the same table: paths
// filled from params, query strings built, bad calls stopped before they leave, and answers that
// break the contract reported as the peer failing.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { defineRoute, errorResponses } from '@trio/contracts/http';
import { z } from 'zod';
import { AppError } from '../src/errors.ts';
import { createRestPeer, PeerUnavailable } from '../src/http/peer.ts';
import { createRestClient, InvalidPeerCall } from '../src/http/rest-client.ts';
import { validate } from '../src/http/validate.ts';
import { createServiceHost, type ServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

const Widget = z.object({ id: z.string(), name: z.string(), tags: z.array(z.string()) });

const widgetRoutes = {
  listWidgets: defineRoute({
    method: 'get',
    path: '/widgets',
    summary: 'List',
    auth: 'none',
    callers: ['public'],
    query: z.strictObject({ tag: z.string().optional(), page: z.coerce.number().int().min(1).default(1) }),
    responses: { 200: { description: 'Page', body: z.object({ items: z.array(Widget), page: z.int() }) } },
  }),
  getWidget: defineRoute({
    method: 'get',
    path: '/widgets/:shelf/:id',
    summary: 'One',
    auth: 'session',
    callers: ['public'],
    params: z.object({ shelf: z.string(), id: z.string().regex(/^w-[0-9]+$/) }),
    responses: {
      200: { description: 'The widget', body: Widget, html: true },
      ...errorResponses(401, 404),
    },
  }),
  addWidget: defineRoute({
    method: 'post',
    path: '/widgets',
    summary: 'Add',
    auth: 'none',
    callers: ['public'],
    headers: z.object({ 'idempotency-key': z.uuid() }),
    body: z.object({ name: z.string().min(1) }),
    responses: { 201: { description: 'Added', body: Widget }, ...errorResponses(400, 409) },
  }),
  deleteWidget: defineRoute({
    method: 'delete',
    path: '/widgets/:id',
    summary: 'Delete',
    auth: 'none',
    callers: ['public'],
    params: z.object({ id: z.string() }),
    responses: { 204: { description: 'Gone' } },
  }),
} as const;

const capture = captureLogs('rest-client-test');
let host: ServiceHost;
let baseUrl: string;
const seen: { url: string; authorization?: string; key?: string }[] = [];

before(async () => {
  host = createServiceHost({ service: 'rest-client-test', log: capture.log, signals: false });
  const { port } = await host.listen({
    port: 0,
    host: '127.0.0.1',
    routes(app) {
      app.use((req, _res, next) => {
        seen.push({
          url: req.originalUrl,
          authorization: req.get('authorization'),
          key: req.get('idempotency-key'),
        });
        next();
      });
      const list = widgetRoutes.listWidgets;
      app.get(list.path, validate({ query: list.query }), (req, res) => {
        const { tag, page } = req.query as unknown as { tag?: string; page: number };
        res.json({ items: [{ id: 'w-1', name: 'Sprocket', tags: tag === undefined ? [] : [tag] }], page });
      });
      app.get(widgetRoutes.getWidget.path, (req, res) => {
        if (req.params.id === 'w-404') throw new AppError('not_found', 'No such widget', { status: 404 });
        if (req.params.id === 'w-500') throw new Error('boom');
        if (req.params.id === 'w-418') return res.status(418).json({ tea: true });
        if (req.params.id === 'w-9') return res.json({ id: 'w-9', name: 42 });
        res.format({
          'application/json': () => res.json({ id: req.params.id, name: req.params.shelf, tags: [] }),
          'text/html': () => res.type('html').send(`<h1>${req.params.id}</h1>`),
        });
      });
      app.post(widgetRoutes.addWidget.path, validate({ body: widgetRoutes.addWidget.body }), (req, res) => {
        if (req.body.name === 'taken') throw new AppError('conflict', 'Name taken', { status: 409 });
        res.status(201).json({ id: 'w-2', name: req.body.name, tags: [] });
      });
      app.delete(widgetRoutes.deleteWidget.path, (_req, res) => {
        res.status(204).end();
      });
    },
  });
  baseUrl = `http://127.0.0.1:${port}`;
});

after(() => host.shutdown.close());

const client = () =>
  createRestClient(createRestPeer({ name: 'widgets', baseUrl, timeoutMs: 2000 }), widgetRoutes);
const key = '7d1c8f60-3b0e-4f7e-9a55-0c2d1b4e8a11';

describe('typed REST client: requests', () => {
  it('fills the path from params, encoded, and sends the token as a bearer', async () => {
    const reply = await client().getWidget({ params: { shelf: 'top shelf/a', id: 'w-7' }, token: 'secret' });
    assert.equal(reply.status, 200);
    if (reply.status === 200) assert.deepEqual(reply.body, { id: 'w-7', name: 'top shelf/a', tags: [] });
    assert.deepEqual(seen.at(-1), {
      url: '/widgets/top%20shelf%2Fa/w-7',
      authorization: 'Bearer secret',
      key: undefined,
    });
  });

  it('builds the query string from the values given, leaving out the unset ones', async () => {
    const reply = await client().listWidgets({ query: { tag: 'blue & green', page: 3 } });
    assert.deepEqual(reply, {
      status: 200,
      body: { items: [{ id: 'w-1', name: 'Sprocket', tags: ['blue & green'] }], page: 3 },
      headers: reply.headers,
    });
    assert.equal(seen.at(-1)?.url, '/widgets?tag=blue+%26+green&page=3');
    await client().listWidgets();
    assert.equal(seen.at(-1)?.url, '/widgets');
  });

  it('sends the body as JSON with the route’s headers, and answers a declared error with its body', async () => {
    const added = await client().addWidget({ headers: { 'idempotency-key': key }, body: { name: 'Gear' } });
    assert.equal(added.status, 201);
    assert.equal(seen.at(-1)?.key, key);
    const refused = await client().addWidget({
      headers: { 'idempotency-key': key },
      body: { name: 'taken' },
    });
    assert.equal(refused.status, 409);
    if (refused.status === 409) assert.equal(ErrorBody.parse(refused.body).error.code, 'conflict');
  });

  it('answers a bodiless status with an undefined body', async () => {
    const reply = await client().deleteWidget({ params: { id: 'w-1' } });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, undefined);
  });

  it('when the page was asked for and JSON came, the peer broke its contract', async () => {
    await assert.rejects(
      client().getWidget({ params: { shelf: 's', id: 'w-9' }, token: 't', accept: 'html' }),
      (error) =>
        error instanceof PeerUnavailable && /something other than the page/.test(String(error.cause)),
    );
  });

  it('asks for the printable page when told to, and gets the HTML', async () => {
    const reply = await client().getWidget({ params: { shelf: 's', id: 'w-3' }, token: 't', accept: 'html' });
    assert.equal(reply.status, 200);
    assert.equal('html' in reply ? reply.html : undefined, '<h1>w-3</h1>');
  });

  it('when the call breaks the contract, throws InvalidPeerCall and sends nothing', async () => {
    const before = seen.length;
    await assert.rejects(
      client().getWidget({ params: { shelf: 's', id: 'not-a-widget' }, token: 't' }),
      (error: unknown) =>
        error instanceof InvalidPeerCall && /widgets getWidget: the path parameters.*id/.test(error.message),
    );
    await assert.rejects(
      client().addWidget({ headers: { 'idempotency-key': 'nope' }, body: { name: '' } }),
      InvalidPeerCall,
    );
    await assert.rejects(client().listWidgets({ query: { page: 0 } }), InvalidPeerCall);
    assert.equal(seen.length, before);
  });
});

describe('typed REST client: answers that break the contract', () => {
  const causeOf = (error: unknown) => String((error as PeerUnavailable).cause);

  it('a body of the wrong shape is PeerUnavailable naming peer, route and status', async () => {
    await assert.rejects(client().getWidget({ params: { shelf: 's', id: 'w-9' }, token: 't' }), (error) => {
      assert.ok(error instanceof PeerUnavailable);
      assert.equal(error.status, 503);
      assert.match(causeOf(error), /widgets getWidget \(GET \/widgets\/:shelf\/:id\) answered 200: .*name/);
      return true;
    });
  });

  it('a status the route does not declare (a 500, a 418) is PeerUnavailable', async () => {
    for (const id of ['w-500', 'w-418']) {
      await assert.rejects(client().getWidget({ params: { shelf: 's', id }, token: 't' }), (error) => {
        assert.ok(error instanceof PeerUnavailable);
        assert.match(
          causeOf(error),
          new RegExp(`answered ${id.slice(2)}: a status its contract does not declare`),
        );
        return true;
      });
    }
  });

  it('a declared error status is an answer, not a failure', async () => {
    const reply = await client().getWidget({ params: { shelf: 's', id: 'w-404' }, token: 't' });
    assert.equal(reply.status, 404);
  });

  it('no answer at all is PeerUnavailable', async () => {
    const closed = createRestPeer({ name: 'widgets', baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    await assert.rejects(createRestClient(closed, widgetRoutes).listWidgets(), PeerUnavailable);
  });

  it('an answer whose body stalls past the timeout is PeerUnavailable; headers and a JSON body are read as sent', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"a"');
        return;
      }
      let body = '';
      req
        .on('data', (chunk) => (body += chunk))
        .on('end', () => {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' }).end(body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const peer = createRestPeer({ name: 'widgets', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const started = performance.now();
      await assert.rejects(peer.request('GET', '/stall'), PeerUnavailable);
      assert.ok(performance.now() - started < 2_000);
      const reply = await peer.request('POST', '/echo', { body: { name: 'ünïcode' } });
      assert.deepEqual([reply.status, reply.body], [201, { name: 'ünïcode' }]);
      assert.equal(reply.headers.get('retry-after'), '3');
      assert.deepEqual(reply.headers.getSetCookie(), ['a=1', 'b=2']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

// Checked by the typecheck, never run: the types follow the table.
export async function typesFollowTheTable(widgets: ReturnType<typeof client>): Promise<string> {
  // @ts-expect-error a session route needs its token
  await widgets.getWidget({ params: { shelf: 's', id: 'w-1' } });
  // @ts-expect-error a route with a body needs it
  await widgets.addWidget({ headers: { 'idempotency-key': key } });
  // @ts-expect-error a route without an HTML page cannot be asked for one
  await widgets.listWidgets({ accept: 'html' });
  const reply = await widgets.getWidget({ params: { shelf: 's', id: 'w-1' }, token: 't' });
  // @ts-expect-error the body is only known once the status is
  reply.body.name;
  return reply.status === 200 ? reply.body.name : reply.body.error.message;
}
