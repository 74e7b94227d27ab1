// Running a lab's check from a test: once, or until it passes (sagas and events settle
// asynchronously), and what failed, to assert on and to print when an assertion fails.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabContext } from '../../src/context.ts';
import { allPassed, type Criterion, formatCriterion } from '../../src/criteria.ts';
import { checkLab, findLab } from '../../src/labs/index.ts';

export function check(context: LabContext, lab: number): Promise<Criterion[]> {
  return checkLab(context, findLab(lab)!);
}

export function failed(criteria: readonly Criterion[]): string[] {
  return criteria.filter((criterion) => !criterion.ok).map((criterion) => criterion.text);
}

export function shown(criteria: readonly Criterion[]): string {
  return criteria.map(formatCriterion).join('\n');
}

/** Checks again until every criterion holds or `timeoutMs` passed; the last result. */
export async function checkUntilPassed(
  context: LabContext,
  lab: number,
  timeoutMs = 20_000,
): Promise<Criterion[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const criteria = await check(context, lab);
    if (allPassed(criteria) || Date.now() > deadline) return criteria;
    await sleep(500);
  }
}
