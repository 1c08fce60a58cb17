import type { Log } from './log';

export interface SupervisedComponent {
  name: string;
  /** Settles with a description of how it ended. */
  exited: Promise<string>;
  /** Stops it and resolves once it is gone. */
  stop(): Promise<void>;
  /** Last resort when the orchestrator exits without stopping it (synchronous: 'exit' handlers cannot wait). */
  killNow?(): void;
}

/**
 * Keeps the stack's processes in start order, stops them in reverse (each awaited), and reports
 * the first one that ends on its own.
 */
export class Supervisor {
  private readonly running: SupervisedComponent[] = [];
  private stopping = false;
  private reportUnexpected: (error: Error) => void = () => undefined;
  readonly unexpectedExit = new Promise<Error>((resolve) => (this.reportUnexpected = resolve));

  constructor(
    private readonly log: Log,
    /** After this long, a component's stop is said to be still under way, so a wait at Ctrl-C is not silent. */
    private readonly stillStoppingAfterMs = 5_000,
  ) {}

  /** True once a component was started (whether or not it still runs). */
  startedAny = false;

  add(component: SupervisedComponent): void {
    this.startedAny = true;
    this.running.push(component);
    void component.exited.then((how) => {
      const index = this.running.indexOf(component);
      if (index >= 0) this.running.splice(index, 1);
      if (!this.stopping) this.reportUnexpected(new Error(`${component.name} ${how} unexpectedly`));
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const component of [...this.running].reverse()) {
      this.log(`stopping ${component.name}`);
      const slow = setTimeout(() => this.log(`${component.name} is still stopping (it finishes what it has under way, and is killed if it takes too long)`), this.stillStoppingAfterMs);
      try {
        await component.stop();
      } catch (err) {
        this.log(`could not stop ${component.name} cleanly: ${err instanceof Error ? err.message : String(err)}`);
        component.killNow?.();
      } finally {
        clearTimeout(slow);
      }
    }
  }

  /** Signals whatever is still running; for a `process.on('exit')` handler. */
  killRemainingNow(): void {
    for (const component of this.running) component.killNow?.();
  }
}
