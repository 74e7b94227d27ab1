#!/usr/bin/env node
// `npm run lab -- list | start N | check N | reset`: the workshop's labs (docs/workshop/).
// Reads the running shop's state (.trio/shop.json), its services' /readyz and /metrics, its
// PostgreSQL, Redis (fault flags) and RabbitMQ (dead letters), from the variables npm start uses.
import { contextFromEnv } from './context.ts';
import { allPassed, formatCriterion } from './criteria.ts';
import { checkLab, findLab, labs, startLab } from './labs/index.ts';
import { resetWorkshop } from './reset.ts';

const usage = `usage:
  npm run lab -- list                the labs: number, title, page, duration
  npm run lab -- start N             prepare lab N and print its page and first step
  npm run lab -- check N             check lab N's result: one line per criterion, exit code 0 when all hold
  npm run lab -- reset [--keep-stock]
                                     between groups: clear fault flags, empty the dead-letter queues,
                                     restore the demo stock, forget the labs' state; stops nothing
environment: DATABASE_URL, AMQP_URL, REDIS_URL (or FAULTS_REDIS_URL), FAULTS_KEY_PREFIX, EVENTS_EXCHANGE`;

class UsageError extends Error {}

function labArgument(value: string | undefined) {
  const lab = findLab(Number(value));
  if (lab === undefined) throw new UsageError(`no lab ${value ?? '(none)'}: 1 to ${labs.length}`);
  return lab;
}

async function main(argv: string[]): Promise<number> {
  const [command, argument] = argv;
  const context = contextFromEnv(process.env, process.cwd());
  switch (command) {
    case 'list': {
      for (const lab of labs) {
        console.log(
          `${String(lab.number).padStart(2)}  ${lab.title.padEnd(40)} ${String(lab.minutes).padStart(3)} min  ${lab.page}`,
        );
      }
      const minutes = labs.reduce((sum, lab) => sum + lab.minutes, 0);
      console.log(
        `    ${labs.length} labs, ${Math.round(minutes / 6) / 10} h; the teacher's guide: docs/workshop/README.md`,
      );
      return 0;
    }
    case 'start': {
      const lab = labArgument(argument);
      const started = await startLab(context, lab);
      console.log(`Lab ${lab.number}: ${lab.title} (${lab.minutes} min)`);
      for (const line of started.did) console.log(`  · ${line}`);
      console.log(
        `Read: ${lab.page}\nFirst step: ${lab.firstStep}\nWhen done: npm run lab -- check ${lab.number}`,
      );
      return 0;
    }
    case 'check': {
      const lab = labArgument(argument);
      const criteria = await checkLab(context, lab);
      console.log(`Lab ${lab.number}: ${lab.title}`);
      for (const criterion of criteria) console.log(formatCriterion(criterion));
      const passed = allPassed(criteria);
      console.log(passed ? `Lab ${lab.number} done.` : `Lab ${lab.number}: not yet (see ✗ above).`);
      return passed ? 0 : 1;
    }
    case 'reset': {
      for (const line of await resetWorkshop(context, { keepStock: argv.includes('--keep-stock') }))
        console.log(`  · ${line}`);
      console.log('Reset done. The shop (if one runs) was not stopped.');
      return 0;
    }
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(`lab: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
