#!/usr/bin/env node
// `npm run -s caller-token -- <caller> <callee>`: a `Trio-Caller` identity token as <caller> would
// send it to <callee> (valid 60 s), signed with <caller>'s key from its settings (.env.example,
// then .env, then the environment), for trying a service's routes by hand with curl:
//
//   curl -H "trio-caller: $(npm run -s caller-token -- front-end billing)" …
//
// The keys in the .env.example files are public development keys; with NODE_ENV=production this
// refuses, like the services, which refuse those keys in production.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceName } from '@trio/contracts/common';
import { createCallerIdentity, PrivateKeyJwk } from '@trio/service-runtime/identity';
import { serviceEnv } from './services.ts';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** A token from `caller` for `callee`, from the caller's development settings. */
export async function devCallerToken(
  caller: string,
  callee: string,
  environment = process.env,
): Promise<string> {
  if (environment.NODE_ENV === 'production')
    throw new Error('caller-token is for development: NODE_ENV is production');
  const service = (name: string) => {
    const parsed = ServiceName.safeParse(name);
    if (!parsed.success)
      throw new Error(`unknown service "${name}": the services are ${ServiceName.options.join(', ')}`);
    return parsed.data;
  };
  const from = service(caller);
  const to = service(callee);
  const key = serviceEnv(root, from, environment).SERVICE_PRIVATE_KEY;
  if (key === undefined) throw new Error(`${from} has no SERVICE_PRIVATE_KEY: it calls no service`);
  const identity = await createCallerIdentity(from, PrivateKeyJwk.parse(key));
  return identity.tokenFor(to);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [caller = '', callee = ''] = process.argv.slice(2);
  try {
    process.stdout.write(`${await devCallerToken(caller, callee)}\n`);
  } catch (error) {
    process.stderr.write(
      `caller-token: ${(error as Error).message}\nusage: npm run -s caller-token -- <caller> <callee>, e.g. front-end billing\n`,
    );
    process.exit(1);
  }
}
