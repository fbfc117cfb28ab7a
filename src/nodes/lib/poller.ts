/**
 * Runs a task every `every` ms, one run at a time: the next run is due `every` ms after the previous one started,
 * and never starts before it ended. stop() clears the timer; a run in progress is not scheduled again.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly every: number,
    private readonly task: () => Promise<void>,
  ) {}

  get active(): boolean {
    return !this.stopped;
  }

  start(firstDelay = 0): this {
    this.schedule(firstDelay);
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), ms);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    const started = Date.now();
    try {
      await this.task();
    } catch {
      // The task reports its own failures; polling goes on.
    }
    this.schedule(Math.max(0, started + this.every - Date.now()));
  }
}
