// What a check prints: one line per criterion, ✓ or ✗; a ✗ says what is missing and how to get it.
export interface Criterion {
  ok: boolean;
  /** What holds (✓), or what is missing (✗). */
  text: string;
  /** For a ✗: the step that fixes it. */
  fix?: string;
  /** Not checked on this machine (e.g. no container engine); neither passes nor fails the lab. */
  skipped?: boolean;
}

export const pass = (text: string): Criterion => ({ ok: true, text });
export const fail = (text: string, fix: string): Criterion => ({ ok: false, text, fix });
export const skip = (text: string): Criterion => ({ ok: true, skipped: true, text });

export function formatCriterion(criterion: Criterion): string {
  if (criterion.skipped) return `– ${criterion.text}`;
  if (criterion.ok) return `✓ ${criterion.text}`;
  return `✗ ${criterion.text}${criterion.fix === undefined ? '' : `\n    → ${criterion.fix}`}`;
}

export function allPassed(criteria: readonly Criterion[]): boolean {
  return criteria.every((criterion) => criterion.ok);
}
