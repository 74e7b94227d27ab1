// Where the checkers look: the repository's root (for `.trio/shop.json`, the lab state files, load
// reports, traces) and the shop's infrastructure, from the same variables and defaults `npm start`
// uses. Tests pass their own (a temporary root, the test file's database, prefix and exchange).
import { defaultExchange } from '@trio/events/topology';

export interface LabContext {
  /** The repository's root: `.trio/` and `load-reports/` are under it. */
  root: string;
  databaseUrl: string;
  amqpUrl: string;
  redisUrl: string;
  /** FAULTS_KEY_PREFIX: put in front of the fault flags' keys. */
  faultsKeyPrefix: string;
  /** EVENTS_EXCHANGE: off the shop's own exchange, every queue is named `<exchange>.<queue>`. */
  exchange: string;
  /** The container CLI lab 6 asks for the built image (`docker`; tests name one that is absent). */
  containerCli: string;
}

export function contextFromEnv(env: NodeJS.ProcessEnv, root: string): LabContext {
  return {
    root,
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    amqpUrl: env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
    redisUrl: env.FAULTS_REDIS_URL || env.REDIS_URL || 'redis://127.0.0.1:6379',
    faultsKeyPrefix: env.FAULTS_KEY_PREFIX ?? '',
    exchange: env.EVENTS_EXCHANGE || defaultExchange,
    containerCli: 'docker',
  };
}

/** A consumer queue's name on the broker, as `@trio/events` names it for this exchange. */
export function brokerQueue(context: LabContext, queue: string): string {
  return context.exchange === defaultExchange ? queue : `${context.exchange}.${queue}`;
}
