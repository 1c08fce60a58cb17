import { alertSchema } from '../alerts/alert.schema';
import { ValidationProblem } from './problem';
import { parseWith } from './parse-with';

function problemsOf(input: unknown) {
  try {
    parseWith(alertSchema, input);
  } catch (error) {
    if (error instanceof ValidationProblem) return error.errors;
    throw error;
  }
  return [];
}

describe('parseWith', () => {
  it('says a field is required when it is missing, rather than only what it should have been', () => {
    expect(problemsOf({ labels: { service: 'db' } })).toEqual([
      { field: 'labels.alertname', message: 'required' },
      { field: 'labels.severity', message: expect.stringMatching(/^required: .*critical/) },
    ]);
  });

  it('says what is wrong with a field that is there', () => {
    const [problem] = problemsOf({ labels: { alertname: 'A', service: 'db', severity: 'urgent' } });
    expect(problem).toEqual({ field: 'labels.severity', message: expect.not.stringContaining('required') });
    expect(problemsOf({ labels: { alertname: 7, service: 'db', severity: 'info' } })).toEqual([{ field: 'labels.alertname', message: expect.not.stringContaining('required') }]);
  });
});
