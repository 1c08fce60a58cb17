import type { z } from 'zod';

// PostgreSQL text and jsonb cannot hold NUL, and an unpaired UTF-16 surrogate is not Unicode text.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const STORABLE = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** A string PostgreSQL can store and compare: every string from a request that reaches a query goes through this. */
export const storable = <T extends z.ZodString | z.ZodURL>(schema: T): T => schema.regex(STORABLE, 'must not contain NUL characters or unpaired surrogates') as T;
