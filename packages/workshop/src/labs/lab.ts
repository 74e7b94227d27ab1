// One lab: its page, how long it takes, what `start` prepares and what `check` verifies.
import type { LabContext } from '../context.ts';
import type { Criterion } from '../criteria.ts';
import type { LabState } from '../lab-state.ts';

export interface LabStart {
  /** What start did, one line each (reset a flag, recorded a baseline, …). */
  did: string[];
  /** Kept in the lab's state file for its check. */
  baseline?: Record<string, unknown>;
}

export interface Lab {
  number: number;
  title: string;
  /** Relative to the repository's root. */
  page: string;
  minutes: number;
  firstStep: string;
  start(context: LabContext): Promise<LabStart>;
  check(context: LabContext, state: LabState): Promise<Criterion[]>;
}
