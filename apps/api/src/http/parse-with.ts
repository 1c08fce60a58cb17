import type { z } from 'zod';
import { ValidationProblem, type FieldProblem } from './problem';

function fieldName(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(body)';
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: 'unknown field' }))
      : [{ field: fieldName(issue.path), message: issue.message }],
  );
}

/** Validates untrusted input at the edge; throws a 400 naming each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationProblem(fieldProblems(result.error));
  return result.data;
}
