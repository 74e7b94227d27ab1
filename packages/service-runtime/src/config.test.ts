import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ConfigError,
  PeerAddr,
  PostgresUrl,
  parseConfig,
  SHIPPED_DEV_SECRETS,
  secret,
  serviceSettings,
} from './config.ts';

const Config = z.object({
  ...serviceSettings({ name: 'billing', httpPort: 3004 }),
  DATABASE_URL: PostgresUrl,
  INVENTORY_ADDR: PeerAddr,
});

function problemsOf(env: Record<string, string>): ConfigError['problems'] {
  try {
    parseConfig(Config, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  it('when only the required variables are set, applies the defaults and types every value', () => {
    const config = parseConfig(Config, {
      DATABASE_URL: 'postgres://postgres@db:5432/shop',
      INVENTORY_ADDR: 'tcp://inventory:4242, tcp://inventory-2:4242',
    });
    assert.deepEqual(config, {
      SERVICE_NAME: 'billing',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 3004,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      SERVE_IN_PROCESS: false,
      FAULTS_ENABLED: false,
      FAULTS_IN_PRODUCTION: false,
      FAULTS_REDIS_URL: 'redis://127.0.0.1:6379',
      FAULTS_KEY_PREFIX: '',
      DATABASE_URL: 'postgres://postgres@db:5432/shop',
      INVENTORY_ADDR: ['tcp://inventory:4242', 'tcp://inventory-2:4242'],
    });
    assert.ok(Object.isFrozen(config));
  });

  it('when numbers arrive as strings, coerces them', () => {
    const config = parseConfig(Config, {
      HTTP_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '2500',
      DATABASE_URL: 'postgresql://db/shop',
      INVENTORY_ADDR: 'tcp://inventory:4242',
    });
    assert.equal(config.HTTP_PORT, 0);
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 2500);
  });

  it('when several variables are wrong, names every one of them in one error', () => {
    const problems = problemsOf({
      HTTP_PORT: '70000',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://root:s3cret-pw@db/shop',
    });
    assert.deepEqual(problems.map((p) => p.variable).sort(), [
      'DATABASE_URL',
      'HTTP_PORT',
      'INVENTORY_ADDR',
      'LOG_LEVEL',
    ]);
    assert.equal(problems.find((p) => p.variable === 'INVENTORY_ADDR')?.problem, 'is required but not set');
  });

  it('when a secret is invalid, the error names the variable but never shows its value', () => {
    try {
      parseConfig(Config, { DATABASE_URL: 'mysql://root:s3cret-pw@db/shop', INVENTORY_ADDR: 'tcp://i:1' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /DATABASE_URL: must be a postgres:\/\/ URL/);
      assert.doesNotMatch(error.message, /s3cret/);
    }
  });

  it('when a variable is set to the empty string, treats it as unset', () => {
    const config = parseConfig(Config, {
      LOG_LEVEL: '',
      DATABASE_URL: 'postgres://db/shop',
      INVENTORY_ADDR: 'tcp://inventory:4242',
    });
    assert.equal(config.LOG_LEVEL, 'info');
    assert.deepEqual(
      problemsOf({ DATABASE_URL: '', INVENTORY_ADDR: 'tcp://inventory:4242' }).map((p) => p.variable),
      ['DATABASE_URL'],
    );
  });

  it('when a ZeroRPC address is not tcp://host:port, rejects it', () => {
    const problems = problemsOf({
      DATABASE_URL: 'postgres://db/shop',
      INVENTORY_ADDR: 'tcp://inventory:4242,inventory-2:4242',
    });
    assert.deepEqual(problems, [
      {
        variable: 'INVENTORY_ADDR',
        problem: 'must be tcp://host:port[,tcp://host:port…] (or inproc://<service>)',
      },
    ]);
  });

  it('takes inproc://<service> for a peer in the same process (the monolith)', () => {
    const config = parseConfig(Config, {
      DATABASE_URL: 'postgres://db/shop',
      INVENTORY_ADDR: 'inproc://inventory',
    });
    assert.deepEqual(config.INVENTORY_ADDR, ['inproc://inventory']);
  });
});

describe('bind addresses', () => {
  it('when HTTP_HOST is not set, binds loopback only; a container sets 0.0.0.0', () => {
    const required = { DATABASE_URL: 'postgres://db/shop', INVENTORY_ADDR: 'tcp://inventory:4242' };
    assert.equal(parseConfig(Config, required).HTTP_HOST, '127.0.0.1');
    assert.equal(parseConfig(Config, { ...required, HTTP_HOST: '0.0.0.0' }).HTTP_HOST, '0.0.0.0');
  });
});

describe('secret()', () => {
  const WithSecrets = z.object({
    ...serviceSettings({ name: 'catalog', httpPort: 3001 }),
    ADMIN_TOKEN: secret({ minLength: 16 }),
    SIGNING_SECRET: secret({ minLength: 16 }),
  });
  const strong = 'k3P9vQ2xZr7LmN4tB8wY1cF6hJ0sD5gA';
  const problems = (env: Record<string, string>) => {
    try {
      parseConfig(WithSecrets, env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const value of Object.values(env))
        if (value.length >= 16) assert.ok(!error.message.includes(value), 'the message shows a value');
      return error.problems;
    }
    return [];
  };

  it('in development, accepts the shipped dev values', () => {
    for (const value of SHIPPED_DEV_SECRETS)
      assert.deepEqual(problems({ ADMIN_TOKEN: value, SIGNING_SECRET: value }), [], value);
  });

  it('in production, accepts long secrets of your own', () => {
    assert.deepEqual(
      problems({ NODE_ENV: 'production', ADMIN_TOKEN: strong, SIGNING_SECRET: `x${strong}` }),
      [],
    );
  });

  it('in production, refuses every shipped dev value, naming the variable but not the value', () => {
    for (const value of SHIPPED_DEV_SECRETS) {
      assert.deepEqual(problems({ NODE_ENV: 'production', ADMIN_TOKEN: value, SIGNING_SECRET: strong }), [
        {
          variable: 'ADMIN_TOKEN',
          problem: 'is a development example value; set a secret of your own in production',
        },
      ]);
    }
  });

  it('in production, refuses a value marked as an example even when long', () => {
    for (const value of [`dev-only-${strong}`, `${strong}-change-me`, `example-${strong}`])
      assert.deepEqual(
        problems({ NODE_ENV: 'production', ADMIN_TOKEN: strong, SIGNING_SECRET: value }).map(
          (p) => p.variable,
        ),
        ['SIGNING_SECRET'],
        value,
      );
  });

  it('in production, refuses a secret shorter than 32 characters that development accepts', () => {
    const short = strong.slice(0, 31);
    assert.deepEqual(problems({ ADMIN_TOKEN: short, SIGNING_SECRET: strong }), []);
    assert.deepEqual(problems({ NODE_ENV: 'production', ADMIN_TOKEN: short, SIGNING_SECRET: strong }), [
      { variable: 'ADMIN_TOKEN', problem: 'must be at least 32 characters in production' },
    ]);
  });

  it('in production, refuses a missing secret (or an empty one), with every other problem at once', () => {
    const reported = problems({ NODE_ENV: 'production', ADMIN_TOKEN: '', LOG_LEVEL: 'loud' });
    assert.deepEqual(reported.map((p) => p.variable).sort(), ['ADMIN_TOKEN', 'LOG_LEVEL', 'SIGNING_SECRET']);
    assert.equal(reported.find((p) => p.variable === 'ADMIN_TOKEN')?.problem, 'is required but not set');
  });
});
