import type { Readable } from 'node:stream';

/** Copies a child's output line by line with a `[name]` prefix, so the stack's processes stay readable in one terminal. */
export function forwardPrefixedLines(stream: Readable, prefix: string, write: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) write(`${prefix} ${line}`);
  });
  stream.on('end', () => {
    if (pending) write(`${prefix} ${pending}`);
    pending = '';
  });
}
