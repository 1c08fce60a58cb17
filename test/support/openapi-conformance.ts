import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks an answer the API gave against its own OpenAPI 3.0 document (GET /docs/json): the
 * operation by method and path template, the response by status, the media type, and the body
 * against the schema. What a client generated from the document expects is what it gets.
 */

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> } | unknown>>;
  components?: { schemas?: Record<string, SchemaObject>; responses?: Record<string, OpenApiResponse> };
}
interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: SchemaObject }>;
}
type SchemaObject = Record<string, unknown>;

/** One request and what the API answered to it. */
export interface Exchange {
  method: string;
  /** As sent: percent-encoded, with any query string. */
  path: string;
  status: number;
  contentType: string | null;
  /** The body as received ('' for none); parsed when its media type is JSON. */
  body: string;
}

export type Verdict = { checked: string } | { skipped: string };

/** An answer the document does not describe; the message names the request, the field and the rule. */
export class OpenApiMismatch extends Error {
  override name = 'OpenApiMismatch';
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** OpenAPI 3.0 keywords that only annotate (and `x-` extensions): no rule for a body. */
const ANNOTATIONS = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);
const COMPONENTS_ID = 'openapi-components';
const SCHEMA_REF = '#/components/schemas/';
const MAX_PROBLEMS = 10;

export class OpenApiConformance {
  private readonly ajv: Ajv;
  private readonly templates: Array<{ template: string; segments: Array<string | null> }>;
  private readonly validators = new Map<string, ValidateFunction>();

  /** `undescribed`: paths the document leaves out on purpose (its own, say), each with the reason. */
  constructor(
    private readonly document: OpenApiDocument,
    private readonly undescribed: Record<string, string> = {},
  ) {
    // allErrors: every broken field at once. strictTypes off: OpenAPI 3.0 schemas leave `type` out in places
    // JSON Schema's strict mode would ask for it, and may require a property they do not list; the types that are given are still checked.
    this.ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, definitions: mapValues(document.components?.schemas ?? {}, (s) => this.toJsonSchema(s)) });
    // Concrete paths before templated ones (OpenAPI: /incidents/mine wins over /incidents/{id}).
    this.templates = Object.keys(document.paths)
      .map((template) => ({ template, segments: template.split('/').map((s) => (/^\{[^}]+\}$/.test(s) ? null : s)) }))
      .sort((a, b) => b.segments.filter((s) => s !== null).length - a.segments.filter((s) => s !== null).length);
  }

  /** Throws OpenApiMismatch when the document does not describe the answer; says why when it skips one. */
  check(exchange: Exchange): Verdict {
    const request = `${exchange.method} ${exchange.path} answered ${exchange.status}`;
    const found = this.operation(exchange, request);
    if ('skipped' in found) return found;
    const { name, responses } = found;
    // `default` stands for the errors an operation does not list one by one; a success must be listed.
    const { status } = exchange;
    const code = [String(status), `${String(status)[0]}XX`, ...(status >= 400 ? ['default'] : [])].find((c) => c in responses);
    if (code === undefined) {
      throw new OpenApiMismatch(`${request}, a status the OpenAPI document does not list for ${name} (it lists ${Object.keys(responses).join(', ') || 'none'})`);
    }
    const where = `${name}, response ${code}`;
    const content = this.resolveResponse(responses[code]).content ?? {};
    const media = Object.keys(content);
    if (exchange.body === '') {
      if (media.length > 0) throw new OpenApiMismatch(`${request} with an empty body; the OpenAPI document (${where}) says ${media.join(' or ')}`);
      return { checked: where };
    }
    const mediaType = exchange.contentType?.split(';')[0].trim().toLowerCase();
    const documented = mediaType && [mediaType, `${mediaType.split('/')[0]}/*`, '*/*'].find((m) => media.includes(m));
    if (!mediaType || !documented) {
      throw new OpenApiMismatch(`${request} as ${mediaType || 'no Content-Type'}; the OpenAPI document (${where}) says ${media.join(' or ') || 'no body'}`);
    }
    const schema = content[documented].schema;
    if (schema === undefined) return { checked: `${where}, ${documented} (no schema)` };
    const validate = this.validator(`${where} ${documented}`, schema);
    if (!validate(bodyOf(exchange.body, mediaType, request))) {
      const errors = validate.errors ?? [];
      const problems = errors.slice(0, MAX_PROBLEMS).map((e) => `  - ${describeError(e)}`);
      if (errors.length > MAX_PROBLEMS) problems.push(`  - and ${errors.length - MAX_PROBLEMS} more`);
      throw new OpenApiMismatch(`${request} (${documented}), a body the OpenAPI document (${where}) does not allow:\n${problems.join('\n')}`);
    }
    return { checked: `${where}, ${documented}` };
  }

  /** The operation by method and path template; a skip for the router's answers to routes the document does not have. */
  private operation(exchange: Exchange, request: string): { name: string; responses: Record<string, OpenApiResponse> } | { skipped: string } {
    const segments = exchange.path.split('?')[0].split('/').map(decodeSegment);
    const path = segments.join('/');
    if (path in this.undescribed) return { skipped: this.undescribed[path] };
    const matches = (t: { segments: Array<string | null> }) => t.segments.length === segments.length && t.segments.every((s, i) => (s === null ? segments[i] !== '' : s === segments[i]));
    const template = this.templates.find(matches)?.template;
    if (template === undefined) {
      if (exchange.status === 404) return { skipped: "404 for a path the document does not describe (the router's answer to a made-up route)" };
      if (exchange.status === 400 && segments.some((segment) => /%[0-9a-f]{2}/i.test(segment))) return { skipped: '400 for a path the router cannot decode (answered before any route)' };
      throw new OpenApiMismatch(`${request}, but the OpenAPI document describes no path ${path}`);
    }
    const item = this.document.paths[template];
    const operation = item[exchange.method.toLowerCase()] as { responses?: Record<string, OpenApiResponse> } | undefined;
    if (operation === undefined) {
      const described = Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => m.toUpperCase()).join(', ');
      if (exchange.status === 405) return { skipped: `405: the document describes ${template} for ${described} only` };
      throw new OpenApiMismatch(`${request}, but the OpenAPI document describes ${template} for ${described} only`);
    }
    return { name: `${exchange.method.toUpperCase()} ${template}`, responses: operation.responses ?? {} };
  }

  private resolveResponse(response: OpenApiResponse): OpenApiResponse {
    const prefix = '#/components/responses/';
    if (response.$ref === undefined) return response;
    const target = response.$ref.startsWith(prefix) ? this.document.components?.responses?.[response.$ref.slice(prefix.length)] : undefined;
    if (target === undefined) throw new OpenApiMismatch(`the OpenAPI document refers to a response it does not have: ${response.$ref}`);
    return target;
  }

  private validator(key: string, schema: SchemaObject): ValidateFunction {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      try {
        validate = this.ajv.compile(this.toJsonSchema(schema));
      } catch (error) {
        throw new OpenApiMismatch(`the OpenAPI document's schema for ${key} is not valid OpenAPI 3.0: ${(error as Error).message}`);
      }
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * An OpenAPI 3.0 schema as the JSON Schema Ajv checks. Ajv knows `nullable` (with `type`, and a
   * nullable enum takes null only if it lists it, as OpenAPI 3.0.3 says); annotations and `x-`
   * extensions are dropped, as are formats OpenAPI leaves open (only hints); boolean exclusive
   * bounds become JSON Schema's numbers; `$ref` siblings are ignored, as in OpenAPI 3.0. Any other
   * keyword is left for Ajv's strict mode to refuse: a document with it is wrong.
   */
  private toJsonSchema(schema: SchemaObject): SchemaObject {
    if (typeof schema.$ref === 'string') {
      if (!schema.$ref.startsWith(SCHEMA_REF)) throw new OpenApiMismatch(`the OpenAPI document has a $ref this check cannot follow: ${schema.$ref}`);
      return { $ref: `${COMPONENTS_ID}#/definitions/${schema.$ref.slice(SCHEMA_REF.length)}` };
    }
    const out: SchemaObject = {};
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword.startsWith('x-') || ANNOTATIONS.has(keyword)) continue;
      if (keyword === 'properties') out[keyword] = mapValues(value as Record<string, SchemaObject>, (s) => this.toJsonSchema(s));
      else if (['items', 'not'].includes(keyword) || (keyword === 'additionalProperties' && typeof value === 'object')) out[keyword] = this.toJsonSchema(value as SchemaObject);
      else if (['allOf', 'anyOf', 'oneOf'].includes(keyword)) out[keyword] = (value as SchemaObject[]).map((s) => this.toJsonSchema(s));
      else if (keyword === 'format' && !(String(value) in this.ajv.formats)) continue;
      else out[keyword] = value;
    }
    for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (typeof schema[exclusive] !== 'boolean') continue;
      delete out[exclusive];
      if (schema[exclusive] === true) {
        out[exclusive] = schema[bound];
        delete out[bound];
      }
    }
    return out;
  }
}

/** The body as the schema sees it: parsed when its media type is JSON, else the text. */
function bodyOf(text: string, mediaType: string, request: string): unknown {
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new OpenApiMismatch(`${request} as ${mediaType}, a body that is not JSON: ${(error as Error).message}`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

/** `body.items[0].severity: must be one of "a", "b" (enum), got "c"`. */
function describeError(error: ErrorObject): string {
  const at = (extra?: string) => fieldOf(extra === undefined ? error.instancePath : `${error.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  const rule = `${error.keyword} at ${error.schemaPath}`;
  switch (error.keyword) {
    case 'required':
      return `${at(String(error.params.missingProperty))}: missing, but required (${rule})`;
    case 'additionalProperties':
      return `${at(String(error.params.additionalProperty))}: a property the document does not list (additionalProperties: false, at ${error.schemaPath})`;
    case 'enum':
      return `${at()}: must be one of ${(error.schema as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (${rule}), got ${shown(error.data)}`;
    case 'type':
      return `${at()}: must be ${String(error.params.type)}${error.parentSchema?.nullable === true ? ' or null' : ''} (${rule}), got ${shown(error.data)}`;
    default:
      return `${at()}: ${error.message ?? 'does not match'} (${rule}), got ${shown(error.data)}`;
  }
}

function fieldOf(pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${path}.${s}` : `${path}[${JSON.stringify(s)}]`), 'body');
}

function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
