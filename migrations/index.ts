import { CoreSchema1764000000000 } from './1764000000000-CoreSchema';

/** Every migration in order; listed explicitly so the same array works from TypeScript (tests) and compiled JS. */
export const MIGRATIONS = [CoreSchema1764000000000];
