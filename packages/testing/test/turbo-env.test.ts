// Every turbo task (`npm test`, `npm start`, builds) runs in turbo's strict environment mode: a
// variable reaches the task only if turbo.json lists it. On a machine whose egress re-signs TLS,
// the trust settings (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE…) must reach every task, or anything that
// downloads from a registry inside one (the base image's `npm pack`, apt-get) fails TLS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const turbo = fileURLToPath(new URL('../../../node_modules/.bin/turbo', import.meta.url));

const passedThrough = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

test('the TLS trust and proxy settings reach a turbo task', () => {
  const outside = Object.fromEntries(passedThrough.map((name) => [name, `/sentinel/${name.toLowerCase()}`]));
  const output = execFileSync(
    turbo,
    [
      'run',
      '//#print-env',
      '--output-logs=full',
      '--log-prefix=none',
      '--',
      ...passedThrough,
      'TRIO_NOT_LISTED',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...outside, TRIO_NOT_LISTED: 'x', TURBO_TELEMETRY_DISABLED: '1' },
      timeout: 60_000,
    },
  );
  for (const name of passedThrough) {
    assert.match(
      output,
      new RegExp(`^${name}=/sentinel/${name.toLowerCase()}$`, 'm'),
      `${name} inside the task`,
    );
  }
  // Strict mode still filters: a variable turbo.json does not list stays outside.
  assert.match(output, /^TRIO_NOT_LISTED unset$/m);
});
