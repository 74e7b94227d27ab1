import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listen } from '../src/http.ts';
import { createHttpClient } from '../src/http-client.ts';

test('the HTTP client sends JSON and a bearer token, and parses JSON answers', async () => {
  const server = await listen((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/text') {
        res.setHeader('content-type', 'text/plain');
        res.end('plain');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          contentType: req.headers['content-type'] ?? null,
          authorization: req.headers.authorization ?? null,
          extra: req.headers['x-extra'] ?? null,
          body: body === '' ? null : JSON.parse(body),
        }),
      );
    });
  });
  try {
    const client = createHttpClient(server.url);
    const posted = await client.request('POST', '/things', {
      body: { a: 1 },
      token: 'secret',
      headers: { 'x-extra': 'yes' },
    });
    assert.equal(posted.status, 200);
    assert.deepEqual(posted.body, {
      method: 'POST',
      url: '/things',
      contentType: 'application/json',
      authorization: 'Bearer secret',
      extra: 'yes',
      body: { a: 1 },
    });
    const got = await client.get('/plain');
    assert.deepEqual(got.body, {
      method: 'GET',
      url: '/plain',
      contentType: null,
      authorization: null,
      extra: null,
      body: null,
    });
    const text = await client.get('/text');
    assert.equal(text.body, 'plain');
    assert.equal(text.headers.get('content-type'), 'text/plain');
  } finally {
    await server.close();
  }
});
