import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';

/** An ISO 8601 UTC time as the API writes it (`Date.toISOString()`). */
export const isoTime = z.iso.datetime();

/**
 * A zod schema as an OpenAPI 3.0 schema object. Responses are described by zod schemas that the
 * end-to-end tests parse real answers with, so the document cannot drift from what the API sends.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  return z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    // The format (date-time, uuid, uri) says it, and every integer is a safe one: zod's regular
    // expressions and safe-integer bounds would only clutter the docs.
    override: ({ jsonSchema }) => {
      if (jsonSchema.format) delete jsonSchema.pattern;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      // OpenAPI 3.0.3: `nullable` does not widen `enum`, so a nullable enum lists null itself. A new
      // array: the inner enum's may be shared with a use of the same schema that is not nullable.
      if (jsonSchema.nullable && Array.isArray(jsonSchema.enum) && !jsonSchema.enum.includes(null)) jsonSchema.enum = [...jsonSchema.enum, null];
    },
  }) as SchemaObject;
}
