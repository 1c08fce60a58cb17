import type { z } from 'zod';
import { ValidationProblem, type FieldProblem } from './problem';

function fieldName(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(body)';
}

/** Whether the object at the path's parent lacks the path's last key: zod then says only what type it expected. */
function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let parent = input;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, path[path.length - 1]);
}

export function fieldProblems(error: z.ZodError, input?: unknown): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: 'unknown field' }))
      : [{ field: fieldName(issue.path), message: isMissing(input, issue.path) ? (issue.code === 'invalid_type' ? 'required' : `required: ${issue.message}`) : issue.message }],
  );
}

/** Validates untrusted input at the edge; throws a 400 naming each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationProblem(fieldProblems(result.error, input));
  return result.data;
}
