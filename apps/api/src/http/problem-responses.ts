import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiSchema } from './openapi-schema';
import { PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA_REF, problemSchema } from './problem';

/** Every operation's errors, in the OpenAPI document: problem+json (the `default` response unless it names its own). */
export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: openApiSchema(problemSchema) } };
  const content = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (typeof operation !== 'object' || !operation || !('responses' in operation)) continue;
      operation.responses.default ??= { description: 'An error, as application/problem+json (RFC 9457)', content };
    }
  }
  return document;
}
