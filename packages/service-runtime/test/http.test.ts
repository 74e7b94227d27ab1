// The HTTP app as a client sees it: status codes, JSON error bodies, headers, logs and metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorBody as ContractErrorBody } from '@trio/contracts/common';
import { z } from 'zod';
import { AppError } from '../src/errors.ts';
import { validate } from '../src/http/validate.ts';
import { createServiceHost, type ServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

const PlaceOrder = z.object({
  email: z.email(),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() })).min(1),
});

const capture = captureLogs('http-test');
let host: ServiceHost;
let base: string;

before(async () => {
  const { log } = capture;
  host = createServiceHost({ service: 'http-test', log, signals: false });
  const { port } = await host.listen({
    port: 0,
    host: '127.0.0.1',
    bodyLimit: '1kb',
    routes(app) {
      app.post('/orders', validate({ body: PlaceOrder }), (req, res) => {
        res.status(201).json({ lines: req.body.items.length });
      });
      app.get(
        '/products/:id',
        validate({
          params: z.object({ id: z.coerce.number().int().positive() }),
          query: z.object({ currency: z.enum(['EUR', 'USD']).default('EUR') }),
        }),
        (req, res) => {
          res.json({ id: req.params.id, currency: req.query.currency });
        },
      );
      app.get('/out-of-stock', () => {
        throw new AppError('out_of_stock', 'Only 2 left', { status: 409, details: { available: 2 } });
      });
      app.get('/bug', async () => {
        await sleep(1);
        throw new Error('secret internals: password=hunter2 at db.internal:5432');
      });
      app.post('/echo', async (req, res) => {
        log.info('handling');
        await sleep(5);
        log.info({ step: 2 }, 'still handling');
        res.json(req.body);
      });
    },
  });
  base = `http://127.0.0.1:${port}`;
});

after(() => host.shutdown.close());

interface ErrorBody {
  code: string;
  message: string;
  details?: { location: string; path: string; message: string }[];
  requestId?: string;
}

async function errorOf(res: Response): Promise<ErrorBody> {
  return ((await res.json()) as { error: ErrorBody }).error;
}

const where = (error: ErrorBody) => (error.details ?? []).map((d) => `${d.location}:${d.path}`);

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('request validation', () => {
  it('when the body is invalid, answers 400 listing every failing field path', async () => {
    const res = await post('/orders', JSON.stringify({ email: 'nope', items: [{ sku: 'A', quantity: 0 }] }));
    assert.equal(res.status, 400);
    const error = await errorOf(res);
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(where(error).sort(), ['body:email', 'body:items[0].quantity']);
    assert.ok(error.details?.every((d) => d.message.length > 0));
  });

  it('when the body is valid, the handler gets the parsed body', async () => {
    const res = await post(
      '/orders',
      JSON.stringify({ email: 'a@b.co', items: [{ sku: 'A', quantity: 2 }] }),
    );
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { lines: 1 });
  });

  it('when params and query are valid, the handler gets them coerced and defaulted', async () => {
    const res = await fetch(`${base}/products/42`);
    assert.deepEqual(await res.json(), { id: 42, currency: 'EUR' });
  });

  it('when params and query are both invalid, one 400 names both', async () => {
    const res = await fetch(`${base}/products/abc?currency=GBP`);
    assert.equal(res.status, 400);
    const error = await errorOf(res);
    assert.deepEqual(where(error), ['params:id', 'query:currency']);
  });

  it('when the body is larger than the limit, answers 413 with a JSON error', async () => {
    const res = await post('/echo', JSON.stringify({ text: 'x'.repeat(2048) }));
    assert.equal(res.status, 413);
    assert.equal((await errorOf(res)).code, 'payload_too_large');
  });

  it('when the body is malformed JSON, answers 400 without echoing the parser message', async () => {
    const res = await post('/echo', '{"unterminated": ');
    assert.equal(res.status, 400);
    const error = await errorOf(res);
    assert.deepEqual([error.code, error.message], ['malformed_json', 'Request body is not valid JSON']);
  });
});

describe('errors', () => {
  it('when no route matches, answers 404 with a JSON error', async () => {
    const res = await fetch(`${base}/nowhere?x=1`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const error = await errorOf(res);
    assert.deepEqual([error.code, error.message], ['not_found', 'No route for GET /nowhere']);
  });

  it('when a handler throws an AppError, answers with its status, code, message and details', async () => {
    const res = await fetch(`${base}/out-of-stock`);
    assert.equal(res.status, 409);
    const error = await errorOf(res);
    assert.deepEqual(error, {
      code: 'out_of_stock',
      message: 'Only 2 left',
      details: { available: 2 },
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('when a handler throws a plain error, answers 500 revealing nothing and logs the stack', async () => {
    const res = await fetch(`${base}/bug`);
    assert.equal(res.status, 500);
    const requestId = res.headers.get('x-request-id');
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: { code: 'internal_error', message: 'Internal server error', requestId },
    });
    assert.doesNotMatch(text, /secret|hunter2|db\.internal|\.ts:\d+/);
    const logged = capture
      .lines()
      .find((line) => line.msg === 'request failed' && line.requestId === requestId);
    assert.match(String((logged?.err as { stack?: string })?.stack), /secret internals[\s\S]*http\.test\.ts/);
  });
});

describe('request ids and logs', () => {
  it('when the caller sends a sane x-request-id, echoes it; otherwise generates one', async () => {
    const given = await fetch(`${base}/products/1`, { headers: { 'x-request-id': 'checkout-7f3a' } });
    assert.equal(given.headers.get('x-request-id'), 'checkout-7f3a');
    const forged = await fetch(`${base}/products/1`, { headers: { 'x-request-id': '<script>' } });
    assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('at info, a fast success writes no access line; a refusal writes one (every request is in the histogram)', async () => {
    capture.log.level = 'info';
    try {
      const ok = await fetch(`${base}/products/7`);
      const refused = await fetch(`${base}/out-of-stock`);
      await sleep(10); // the access line is written when the response closes
      const access = (res: Response) =>
        capture
          .lines()
          .filter(
            (line) => line.requestId === res.headers.get('x-request-id') && line.msg === 'request completed',
          );
      assert.deepEqual(access(ok), []);
      assert.deepEqual(
        access(refused).map((line) => [line.level, line.status, line.route]),
        [['info', 409, '/out-of-stock']],
      );
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(
        metrics,
        /http_server_request_duration_seconds_count\{[^}]*route="\/products\/:id"[^}]*status="200"[^}]*\} [1-9]/,
      );
    } finally {
      capture.log.level = 'debug';
    }
  });

  it('every line logged while handling a request carries its request id, trace id and the service', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post('/echo', JSON.stringify({ hello: 'world' }), {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    assert.deepEqual(await res.json(), { hello: 'world' });
    const requestId = res.headers.get('x-request-id');
    await sleep(10); // the access line is written when the response closes
    const lines = capture.lines().filter((line) => line.requestId === requestId);
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['handling', 'still handling', 'request completed'],
    );
    for (const line of lines) {
      assert.equal(line.service, 'http-test');
      assert.equal(line.trace_id, traceId);
    }
    const access = lines.at(-1);
    assert.deepEqual(
      [access?.method, access?.route, access?.path, access?.status],
      ['POST', '/echo', '/echo', 200],
    );
    assert.equal(typeof access?.durationMs, 'number');
  });

  it('a request the client gave up on is logged at info, with its request id and trace id', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    const gaveUp = new AbortController();
    const aborted = fetch(`${base}/echo`, {
      method: 'POST',
      body: '{}',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'gave-up',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      signal: gaveUp.signal,
    }).catch(() => undefined);
    await sleep(2); // the handler is between its two lines (it sleeps 5 ms)
    gaveUp.abort();
    await aborted;
    await sleep(20);
    const access = capture
      .lines()
      .find((line) => line.requestId === 'gave-up' && line.msg === 'request completed');
    assert.equal(access?.level, 'info');
    assert.equal(access?.aborted, true);
    assert.equal(access?.trace_id, traceId);
  });

  it('sets security headers', async () => {
    const res = await fetch(`${base}/products/1`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });
});

describe('metrics', () => {
  it('/metrics exposes request durations by route pattern, never by raw URL', async () => {
    await fetch(`${base}/products/7`);
    await fetch(`${base}/products/8`);
    await fetch(`${base}/no/such/route/123`);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const counts = text
      .split('\n')
      .filter((line) => line.startsWith('http_server_request_duration_seconds_count'));
    const productLine = counts.find(
      (line) => line.includes('route="/products/:id"') && line.includes('status="200"'),
    );
    assert.ok(productLine, `no series for /products/:id in:\n${counts.join('\n')}`);
    assert.match(productLine, /method="GET"/);
    assert.match(productLine, /service="http-test"/);
    assert.ok(counts.some((line) => line.includes('route="unmatched"') && line.includes('status="404"')));
    assert.doesNotMatch(text, /\/products\/[78]|no\/such/);
    assert.match(text, /^process_cpu_user_seconds_total/m);
  });
});

describe('error bodies', () => {
  it('every error the runtime produces itself has the shape of the shop’s ErrorBody contract', async () => {
    const answers = await Promise.all([
      post('/orders', JSON.stringify({ email: 'nope', items: [{ sku: '', quantity: 0 }] })),
      post('/orders', '{"email":'),
      post('/orders', JSON.stringify({ pad: 'x'.repeat(2048) })),
      fetch(`${base}/nowhere`),
      fetch(`${base}/bug`),
    ]);
    assert.deepEqual(
      answers.map((res) => res.status),
      [400, 400, 413, 404, 500],
    );
    for (const res of answers) {
      const parsed = ContractErrorBody.safeParse(await res.json());
      assert.ok(parsed.success, `${res.url} ${res.status}: ${parsed.error?.message}`);
    }
  });
});
