import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { duplicateKeyPaths } from './duplicate-keys';
import { ValidationProblem } from './problem';

const FORBIDDEN = /forbidden prototype property/;

/**
 * Parses a JSON body as Fastify does (secure-json-parse refusing `__proto__` and
 * `constructor.prototype`, which could pollute prototypes), but says what is wrong: where the
 * syntax breaks, or which forbidden key was sent. A key given twice in one object is refused,
 * naming it, rather than the last one kept. An empty body is no body (`curl -X POST -H
 * 'Content-Type: application/json'`), not an error; a JSON `null` is an error.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (FORBIDDEN.test(message)) {
      throw new ValidationProblem([{ field: forbiddenKeyPath(JSON.parse(text)) ?? '(body)', message: 'a key that could pollute prototypes is not accepted' }]);
    }
    throw new BadRequestException(`Body is not valid JSON: ${message}`);
  }
  // Fastify would hand a null on as no body at all (an optional body's defaults); no route takes one.
  if (parsed === null) throw new ValidationProblem([{ field: '(body)', message: 'null is not a body: send a JSON object (or an array of alerts), or no body where it is optional' }]);
  // JSON.parse keeps the last of a repeated key: what was stored would not be all that was sent.
  const repeated = duplicateKeyPaths(text, parsed);
  if (repeated.length > 0) throw new ValidationProblem(repeated.map((field) => ({ field, message: 'give it once' })));
  return parsed;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text: UTF-8, as JSON is (RFC 8259), and as sent. A declared other charset or a
 * content coding is refused (415) rather than read as UTF-8 and stored garbled.
 */
export function bodyText(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1].toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeException(`charset ${charset} is not accepted: send UTF-8`);
  }
  if (contentEncoding && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw new UnsupportedMediaTypeException(`Content-Encoding ${contentEncoding} is not accepted: send the body uncompressed`);
  }
  try {
    return UTF8.decode(body);
  } catch {
    throw new BadRequestException('Body is not valid UTF-8');
  }
}

/** Makes parseJsonBody the only body parser: every other content type is answered 415. */
export function useJsonBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const encoding = request.headers['content-encoding'];
      done(null, parseJsonBody(bodyText(body as Buffer, request.headers['content-type'], Array.isArray(encoding) ? encoding.join(',') : encoding)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * Where secure-json-parse found a forbidden key (it does not say): the shallowest `__proto__`, or
 * `constructor` holding a `prototype`, as a field path like validation's (`0.labels.__proto__`).
 * Plain JSON.parse keeps such keys as own properties, so they can be looked for. Breadth first,
 * without recursion, as however deep a body nests it must not overflow the stack.
 */
function forbiddenKeyPath(value: unknown): string | undefined {
  const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);
  // Each node points at its parent, so a path is spelled out only for the key that is found.
  let level: PathNode[] = [{ value, key: '' }];
  while (level.length) {
    const next: PathNode[] = [];
    for (const node of level) {
      const object = node.value;
      if (object === null || typeof object !== 'object') continue;
      if (has(object, '__proto__')) return pathOf({ value: null, key: '__proto__', parent: node });
      const constructor = has(object, 'constructor') ? (object as { constructor: unknown }).constructor : undefined;
      if (constructor !== null && typeof constructor === 'object' && has(constructor, 'prototype')) return pathOf({ value: null, key: 'constructor', parent: node });
      for (const [key, child] of Object.entries(object)) next.push({ value: child, key, parent: node });
    }
    level = next;
  }
  return undefined;
}

interface PathNode {
  value: unknown;
  key: string;
  parent?: PathNode;
}

function pathOf(node: PathNode): string {
  const keys: string[] = [];
  for (let at: PathNode | undefined = node; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}
