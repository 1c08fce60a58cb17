import { z } from 'zod';

/** What a query parameter given more than once is told (Fastify reads `?a=1&a=2` as an array). */
export const GIVE_IT_ONCE = 'give it once';

/** A text query parameter, given once: a repeated one is named and told so, not "expected string, received array". */
export const queryText = () => z.string({ error: (issue) => (Array.isArray(issue.input) ? GIVE_IT_ONCE : undefined) });
