// Turns a zod failure on an argument tuple into something a caller can act on: each issue names the
// argument by its contract name (`lines[0].qty`, not `[1][0].qty`).
import type { z } from 'zod';

export interface ArgumentIssue {
  path: string;
  message: string;
}

export function describeArgumentIssues(error: z.ZodError, argNames: readonly string[]): ArgumentIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, argNames), message: issue.message }));
}

export function argumentErrorMessage(issues: readonly ArgumentIssue[]): string {
  return `invalid arguments: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`;
}

function formatPath(path: readonly PropertyKey[], argNames: readonly string[]): string {
  if (path.length === 0) return 'arguments';
  const [slot, ...rest] = path;
  let text = typeof slot === 'number' ? (argNames[slot] ?? `arguments[${slot}]`) : String(slot);
  for (const key of rest) {
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return text;
}
