import { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details, the body of every error Vigil answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  errorId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Where the OpenAPI document keeps problemSchema. */
export const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem';

/** The problem body, for the OpenAPI document; some problems add members of their own (e.g. `currentStatus`). */
export const problemSchema = z.looseObject({
  type: z.url(),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.strictObject({ field: z.string(), message: z.string() })).optional().describe('each field that is wrong (4xx)'),
  errorId: z.uuid().optional().describe('a 500: quote it when reporting; the log carries it'),
}) satisfies z.ZodType<Problem>;

const PROBLEM_BASE = 'https://vigil.dev/problems/';

export function problem(status: number, slug: string, title: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${PROBLEM_BASE}${slug}`, title, status, ...extra };
}

/** At most this many field problems are answered: a body with 50,000 unknown keys gets the first ones. */
export const MAX_FIELD_PROBLEMS = 20;

/** Thrown by validation: a 400 naming each field that is wrong. */
export class ValidationProblem extends Error {
  readonly errors: FieldProblem[];

  constructor(errors: FieldProblem[]) {
    const shown = errors.slice(0, MAX_FIELD_PROBLEMS).map(({ field, message }) => ({ field: shortened(field), message: shortened(message) }));
    const more = errors.length - shown.length;
    super(shown.map((e) => `${e.field || '(body)'}: ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more` : ''));
    this.errors = shown;
  }
}

const MAX_SHOWN_CHARS = 1_000;

/**
 * A field path or message as long as the input made it (a key nested 100,000 deep, a value echoed
 * back) is cut in the middle, keeping both ends: where it starts and the key that is wrong.
 */
function shortened(text: string): string {
  if (text.length <= MAX_SHOWN_CHARS) return text;
  const half = MAX_SHOWN_CHARS / 2;
  return `${text.slice(0, half)}…${text.slice(-half)}`;
}
