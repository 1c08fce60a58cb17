const IMPORTANT = /\b(WARN|WARNING|ERROR|FATAL|level=(warn|error))\b/i;
const CONTINUATION = /^\S+ (\s|[}\]])/;
const MAX_LINE = 240;

/**
 * Keeps the stack's output out of the bench's way: per process, only the first few warning or
 * error entries (with their continuation lines) are printed; all of them are counted for the report.
 */
export class ChildOutput {
  private readonly counts: Record<string, number> = {};

  constructor(private readonly shownPerProcess = 5) {}

  /** A `writeLine` for spawnManaged / startTemporalDevServer; lines arrive as `[name] text`. */
  writer(name: string): (line: string) => void {
    let printing = false;
    return (line) => {
      if (CONTINUATION.test(line)) {
        if (printing) console.log(line);
        return;
      }
      if (!IMPORTANT.test(line)) {
        printing = false;
        return;
      }
      const count = (this.counts[name] = (this.counts[name] ?? 0) + 1);
      printing = count <= this.shownPerProcess;
      if (printing) console.log(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
      if (count === this.shownPerProcess + 1) console.log(`[${name}] (further warnings and errors are counted, not shown)`);
    };
  }

  /** Warning and error entries per process. */
  warnings(): Record<string, number> {
    return { ...this.counts };
  }
}
