/** RFC 9457 problem details, the body of every error Vigil answers. */
export interface FieldProblem {
  field: string;
  message: string;
}

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

const PROBLEM_BASE = 'https://vigil.dev/problems/';

export function problem(status: number, slug: string, title: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${PROBLEM_BASE}${slug}`, title, status, ...extra };
}

/** Thrown by validation: a 400 naming each field that is wrong. */
export class ValidationProblem extends Error {
  constructor(readonly errors: FieldProblem[]) {
    super(errors.map((e) => `${e.field || '(body)'}: ${e.message}`).join('; '));
  }
}
