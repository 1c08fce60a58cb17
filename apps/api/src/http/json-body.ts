import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ValidationProblem } from './problem';

const FORBIDDEN = /forbidden prototype property/;

/**
 * Parses a JSON body as Fastify does (secure-json-parse refusing `__proto__` and
 * `constructor.prototype`, which could pollute prototypes), but says what is wrong: where the
 * syntax breaks, or which forbidden key was sent. An empty body is no body (`curl -X POST -H
 * 'Content-Type: application/json'`), not an error.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (FORBIDDEN.test(message)) {
      throw new ValidationProblem([{ field: forbiddenKeyPath(JSON.parse(text)) ?? '(body)', message: 'a key that could pollute prototypes is not accepted' }]);
    }
    throw new BadRequestException(`Body is not valid JSON: ${message}`);
  }
}

/** Makes parseJsonBody the only body parser: every other content type is answered 415. */
export function useJsonBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * Where secure-json-parse found a forbidden key (it does not say): the first `__proto__`, or
 * `constructor` holding a `prototype`, as a field path like validation's (`0.labels.__proto__`).
 * Plain JSON.parse keeps such keys as own properties, so they can be looked for.
 */
export function forbiddenKeyPath(value: unknown, path: string[] = []): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);
  if (has(value, '__proto__')) return [...path, '__proto__'].join('.');
  const constructor = has(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
  if (constructor !== null && typeof constructor === 'object' && has(constructor, 'prototype')) return [...path, 'constructor'].join('.');
  for (const [key, child] of Object.entries(value)) {
    const found = forbiddenKeyPath(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
