import { OpenApiConformance, OpenApiMismatch, type Exchange, type OpenApiDocument } from './openapi-conformance';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** A mini document in the shape Vigil's has: zod's OpenAPI 3.0 output, problem+json as `default`. */
const document: OpenApiDocument = {
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    id: { type: 'string', format: 'uuid' },
                    status: { type: 'string', enum: ['open', 'closed'] },
                    closedAt: { type: 'string', format: 'date-time', nullable: true, example: '2026-01-01T00:00:00Z' },
                    from: { type: 'string', enum: ['open', 'closed', null], nullable: true },
                    // OpenAPI 3.0.3: nullable does not widen an enum; null must be listed to be allowed.
                    to: { type: 'string', enum: ['open', 'closed'], nullable: true },
                    count: { type: 'integer', minimum: 0, exclusiveMinimum: true },
                    home: { type: 'string', format: 'uri', 'x-vigil': 'ignored' },
                    size: { type: 'integer', format: 'int32' },
                    hint: { type: 'string', format: 'made-up-format' },
                  },
                  required: ['id', 'status', 'closedAt'],
                  additionalProperties: false,
                },
              },
            },
          },
          default: { content: problem },
        },
      },
      delete: { responses: { '204': { description: 'gone' }, '404': { content: problem } } },
    },
    '/metrics': { get: { responses: { '200': { content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/things/mine': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } } } } } },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        properties: { type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' } },
        required: ['type', 'title', 'status'],
        additionalProperties: {},
      },
    },
  },
};

const id = '0b7d6a1e-2f3c-4d5e-8f90-123456789abc';
const thing = { id, status: 'open', closedAt: null, from: null, count: 1, home: 'https://vigil.dev/x', size: 3, hint: 'anything' };
/** An answer to GET /things/{id}: `thing`, unless overridden (a string is sent as is, '' for no body). */
type Answer = Partial<Omit<Exchange, 'body'>> & { body?: unknown };
const answer = ({ body = thing, ...overrides }: Answer): Exchange => ({
  method: 'GET',
  path: `/things/${id}`,
  status: 200,
  contentType: 'application/json; charset=utf-8',
  ...overrides,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('OpenApiConformance', () => {
  const conformance = new OpenApiConformance(document, { '/docs/json': 'the document itself' });
  const mismatch = (exchange: Exchange): string => {
    try {
      conformance.check(exchange);
    } catch (error) {
      if (error instanceof OpenApiMismatch) return error.message;
      throw error;
    }
    throw new Error(`no mismatch for ${JSON.stringify(exchange)}`);
  };

  it.each<[string, Answer, string]>([
    ['a matching body', {}, 'GET /things/{id}, response 200, application/json'],
    ['a body with every optional field left out', { body: { id, status: 'closed', closedAt: '2026-11-24T18:11:32.993Z' } }, 'GET /things/{id}, response 200, application/json'],
    ['a query string and a percent-encoded id', { path: `/things/${id.replace('0', '%30')}?x=1` }, 'GET /things/{id}, response 200, application/json'],
    ['an error not listed by its own code, as problem+json', { status: 409, contentType: 'application/problem+json', body: { type: 'https://vigil.dev/problems/conflict', title: 'Conflict', status: 409, extra: 1 } }, 'GET /things/{id}, response default, application/problem+json'],
    ['an empty answer the document gives no body', { method: 'DELETE', status: 204, contentType: null, body: '' }, 'DELETE /things/{id}, response 204'],
    ['a concrete path before a templated one', { path: '/things/mine', body: ['a'] }, 'GET /things/mine, response 200, application/json'],
    ['a text body, checked as a string', { path: '/metrics', contentType: 'text/plain; version=0.0.4', body: 'up 1\n' }, 'GET /metrics, response 200, text/plain'],
  ])('passes %s', (_name, overrides, operation) => {
    expect(conformance.check(answer(overrides))).toEqual({ checked: operation });
  });

  it.each<[string, Answer, RegExp]>([
    ['a 404 on a path the document does not describe', { path: '/nothing/here', status: 404 }, /^404 for a path the document does not describe/],
    ['a 405 for a method the document does not describe', { method: 'PUT', status: 405 }, /^405: the document describes \/things\/\{id\} for GET, DELETE only$/],
    ['a path left out on purpose', { path: '/docs/json' }, /^the document itself$/],
  ])('skips %s, saying why', (_name, overrides, reason) => {
    expect(conformance.check(answer(overrides))).toEqual({ skipped: expect.stringMatching(reason) });
  });

  it.each<[string, Answer, string[]]>([
    ['a wrong type', { body: { ...thing, count: '1' } }, ['GET /things/' + id + ' answered 200 (application/json)', 'body.count: must be integer (type at #/properties/count/type), got "1"']],
    ['a missing required field', { body: { id, status: 'open' } }, ['body.closedAt: missing, but required']],
    ['an undocumented field', { body: { ...thing, secret: 'x' } }, ['body.secret: a property the document does not list (additionalProperties: false']],
    ['a value outside the enum', { body: { ...thing, status: 'pending' } }, ['body.status: must be one of "open", "closed" (enum at #/properties/status/enum), got "pending"']],
    ['null where the field is not nullable', { body: { ...thing, status: null } }, ['body.status: must be string (type']],
    ['null for a nullable enum that does not list null (OpenAPI 3.0.3)', { body: { ...thing, to: null } }, ['body.to: must be one of "open", "closed" (enum at #/properties/to/enum), got null']],
    ['a bad format', { body: { ...thing, closedAt: 'yesterday' } }, ['body.closedAt: must match format "date-time"']],
    ['an exclusive minimum (OpenAPI 3.0 boolean form)', { body: { ...thing, count: 0 } }, ['body.count: must be > 0']],
    ['a problem body missing its title', { status: 500, contentType: 'application/problem+json', body: { type: 'https://vigil.dev/problems/x', status: 500 } }, ['(GET /things/{id}, response default)', 'body.title: missing, but required']],
    ['an undocumented success status', { status: 201 }, ['answered 201, a status the OpenAPI document does not list for GET /things/{id} (it lists 200, default)']],
    ['an undocumented error status without default', { method: 'DELETE', status: 409, contentType: 'application/problem+json' }, ['answered 409, a status the OpenAPI document does not list for DELETE /things/{id} (it lists 204, 404)']],
    ['a JSON media type whose body is not JSON', { body: '{"id": ' }, ['answered 200 as application/json, a body that is not JSON']],
    ['another media type', { contentType: 'text/plain' }, ['as text/plain; the OpenAPI document (GET /things/{id}, response 200) says application/json']],
    ['an empty body where one is described', { body: '' }, ['with an empty body; the OpenAPI document (GET /things/{id}, response 200) says application/json']],
    ['a success on a path the document does not describe', { path: '/nothing/here' }, ['GET /nothing/here answered 200, but the OpenAPI document describes no path /nothing/here']],
    ['a method the document does not describe, answered other than 405', { method: 'PATCH', status: 200 }, ['describes /things/{id} for GET, DELETE only']],
  ])('fails %s, naming the request, the field and the rule', (_name, overrides, parts) => {
    const message = mismatch(answer(overrides));
    for (const part of parts) expect(message).toContain(part);
  });

  it('names every broken field of one body', () => {
    const message = mismatch(answer({ body: { id: 'not-a-uuid', status: 'pending', closedAt: null, from: 'gone' } }));
    expect(message).toContain('body.id: must match format "uuid"');
    expect(message).toContain('body.status: must be one of');
    expect(message).toContain('body.from: must be one of "open", "closed", null');
  });

  it('refuses a document whose schema has a keyword OpenAPI 3.0 does not', () => {
    const typo = new OpenApiConformance({ paths: { '/x': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'string', nulable: true } } } } } } } } });
    expect(() => typo.check({ method: 'GET', path: '/x', status: 200, contentType: 'application/json', body: '"a"' })).toThrow(/schema for GET \/x, response 200 application\/json is not valid OpenAPI 3\.0: .*unknown keyword: "nulable"/);
  });
});
