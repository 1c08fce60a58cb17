import type { ConnectionLike } from '@temporalio/client';

/**
 * Whether the client's gRPC channel to Temporal is connected now, or connects within `withinMs`. It
 * tells a Temporal that is down (the channel keeps failing to connect) from one that is up but slow
 * to answer: both make calls end with DEADLINE_EXCEEDED, as the client retries a refused connection
 * until the deadline. `untilReady` is the SDK's own wait on the channel (grpc-js `waitForReady`),
 * which its public API only reaches through the memoized `ensureConnected`.
 */
export async function isConnectionReady(connection: ConnectionLike, withinMs: number): Promise<boolean> {
  const channel = connection as unknown as { untilReady?(deadline: number): Promise<void> };
  // A connection of another kind (a NativeConnection) cannot say: taken as connected, as before.
  if (typeof channel.untilReady !== 'function') return true;
  return channel.untilReady(Date.now() + withinMs).then(
    () => true,
    () => false,
  );
}
