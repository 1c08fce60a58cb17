/**
 * Whether `promise` resolves within `ms`: true if it does, false if the time runs out first (it is
 * left running); rejects if it rejects first. The timer never outlives the answer.
 */
export async function resolvesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
