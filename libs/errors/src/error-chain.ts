/** The fields of an error (a Node socket error, a pg error, TypeORM's wrapper, a Temporal client error) that tell what went wrong. */
export interface ErrorLink {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  constraint?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/**
 * An error and those it wraps (TypeORM's `driverError`, a `cause`), outermost first. Duck-typed, not
 * `instanceof Error`: socket errors may come from another realm (under Jest, say).
 */
export function* errorChain(error: unknown, depth = 5): Generator<ErrorLink> {
  for (let e: unknown = error, i = 0; typeof e === 'object' && e !== null && i < depth; i++) {
    const link = e as ErrorLink;
    yield link;
    e = link.driverError ?? link.cause;
  }
}
