import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { openApiSchema } from './openapi-schema';
import { PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA_REF, problemSchema } from './problem';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Every operation's errors, in the OpenAPI document: problem+json, as the `default` response and
 * as the body of every 4xx/5xx an operation names without describing one.
 */
export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: openApiSchema(problemSchema) } };
  const content = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } };
  const operations = Object.values(document.paths).flatMap((path) => METHODS.map((method) => path[method]));
  for (const operation of operations.filter((o): o is OperationObject => o !== undefined)) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) >= 400 && response && !('$ref' in response) && !response.content) response.content = content;
    }
    operation.responses.default ??= { description: 'An error, as application/problem+json (RFC 9457)', content };
  }
  return document;
}
