// What `npm run lab -- start N` remembers for `check N`: when the lab started (results must be
// newer) and whatever baseline the lab needs (pids before a deploy, counters before a change).
// One file per lab under `.trio/workshop/`; `npm run lab -- reset` removes the folder.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const LabState = z.object({
  lab: z.number().int(),
  startedAt: z.string(),
  baseline: z.record(z.string(), z.unknown()).default({}),
});
export type LabState = z.infer<typeof LabState>;

export function labStateDir(root: string): string {
  return join(root, '.trio', 'workshop');
}

function labStatePath(root: string, lab: number): string {
  return join(labStateDir(root), `lab-${lab}.json`);
}

export function writeLabState(root: string, state: LabState): void {
  const path = labStatePath(root, state.lab);
  mkdirSync(labStateDir(root), { recursive: true });
  writeFileSync(`${path}.partial`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.partial`, path);
}

export function readLabState(root: string, lab: number): LabState | undefined {
  const path = labStatePath(root, lab);
  if (!existsSync(path)) return undefined;
  const parsed = LabState.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export function removeLabStates(root: string): boolean {
  const dir = labStateDir(root);
  const existed = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  return existed;
}
