// Loaded once per test run by `node --test --test-global-setup` (see bin/trio-test.js), before any
// test file starts. It settles DATABASE_URL, REDIS_URL and AMQP_URL for every test process:
// explicit variables are used as given; otherwise the standard local ports are tried; whatever
// still does not answer is started with testcontainers (Docker required) and stopped at the end.
import { answers, defaultEndpoints, type Endpoints } from './endpoints.ts';

type Key = keyof Endpoints;
const envName: Record<Key, string> = {
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  amqpUrl: 'AMQP_URL',
};

interface Stoppable {
  stop(): Promise<unknown>;
}
const started: Stoppable[] = [];

async function startContainer(key: Key): Promise<string> {
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch (error) {
    throw new Error(`testcontainers could not be loaded: ${(error as Error).message}`);
  }
  const { GenericContainer, Wait } = testcontainers;
  if (key === 'databaseUrl') {
    const c = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(c);
    return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
  }
  if (key === 'redisUrl') {
    const c = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    started.push(c);
    return `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
  }
  const c = await new GenericContainer('rabbitmq:4-alpine')
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .start();
  started.push(c);
  return `amqp://guest:guest@${c.getHost()}:${c.getMappedPort(5672)}`;
}

export async function globalSetup(): Promise<void> {
  for (const key of Object.keys(envName) as Key[]) {
    const name = envName[key];
    const given = process.env[name];
    if (given) continue;
    if (await answers(defaultEndpoints[key])) {
      process.env[name] = defaultEndpoints[key];
      continue;
    }
    try {
      process.env[name] = await startContainer(key);
    } catch (error) {
      throw new Error(
        `${name} is not set, nothing answers at ${defaultEndpoints[key]}, and starting a container failed ` +
          `(${(error as Error).message}). Start the service locally or set ${name}.`,
      );
    }
  }
}

export async function globalTeardown(): Promise<void> {
  await Promise.allSettled(started.map((c) => c.stop()));
}
