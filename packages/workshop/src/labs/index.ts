// The workshop's labs in order, and what `npm run lab -- start N | check N` does with one.
import type { LabContext } from '../context.ts';
import { type Criterion, fail } from '../criteria.ts';
import { readLabState, writeLabState } from '../lab-state.ts';
import type { Lab, LabStart } from './lab.ts';
import { lab1 } from './lab1-whole-app.ts';
import { lab2 } from './lab2-monolith.ts';
import { lab3 } from './lab3-cut-out.ts';
import { lab4 } from './lab4-transports.ts';
import { lab5 } from './lab5-replicas.ts';
import { lab6 } from './lab6-deploy.ts';
import { lab7 } from './lab7-failures.ts';
import { lab8 } from './lab8-bottleneck.ts';

export type { Lab } from './lab.ts';

export const labs: readonly Lab[] = [lab1, lab2, lab3, lab4, lab5, lab6, lab7, lab8];

export function findLab(number: number): Lab | undefined {
  return labs.find((lab) => lab.number === number);
}

/** Prepares the lab and records when it started (and its baseline) in `.trio/workshop/lab-N.json`. */
export async function startLab(context: LabContext, lab: Lab, now = new Date()): Promise<LabStart> {
  const started = await lab.start(context);
  writeLabState(context.root, {
    lab: lab.number,
    startedAt: now.toISOString(),
    baseline: started.baseline ?? {},
  });
  return started;
}

export async function checkLab(context: LabContext, lab: Lab): Promise<Criterion[]> {
  const state = readLabState(context.root, lab.number);
  if (state === undefined) {
    return [fail(`lab ${lab.number} was not started here`, `npm run lab -- start ${lab.number}`)];
  }
  return lab.check(context, state);
}
