/** The bench's own progress lines, kept apart from the table it prints at the end. */
export const log = (message: string): void => console.log(`[bench] ${message}`);

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
