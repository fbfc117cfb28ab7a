import { EcrError, LIB_CODES } from './errors';

interface Job<T> {
  run: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Operations on one terminal, one at a time in arrival order, with a bound on how many may wait. */
export class OperationQueue {
  private readonly jobs: Job<unknown>[] = [];
  private running = false;
  private closedError: EcrError | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly name: string,
  ) {}

  get size(): number {
    return this.jobs.length + (this.running ? 1 : 0);
  }

  get busy(): boolean {
    return this.running;
  }

  add<T>(method: string, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (signal?.aborted) {
      return Promise.reject(new EcrError(LIB_CODES.ABORTED, `${method}: aborted before it was sent`, { method }));
    }
    // Only a job that would have to wait counts against the limit: with nothing running, it starts at once.
    if (this.running && this.jobs.length >= this.limit) {
      return Promise.reject(
        new EcrError(LIB_CODES.QUEUE_FULL, `${method}: ${this.limit} operations already wait for ${this.name}; nothing was sent`, { method }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job<T> = { run, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => {
          const i = this.jobs.indexOf(job as Job<unknown>);
          if (i < 0) return;
          this.jobs.splice(i, 1);
          reject(new EcrError(LIB_CODES.ABORTED, `${method}: aborted while waiting in the queue; nothing was sent`, { method }));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.jobs.push(job as Job<unknown>);
      this.next();
    });
  }

  /** Resolves when nothing runs or waits. */
  whenIdle(): Promise<void> {
    if (!this.running && this.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rejects everything still waiting; the running job finishes on its own. */
  close(err: EcrError): void {
    this.closedError = err;
    for (const job of this.jobs.splice(0)) {
      if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      job.reject(err);
    }
  }

  private next(): void {
    if (this.running) return;
    const job = this.jobs.shift();
    if (!job) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    this.running = true;
    let result: Promise<unknown>;
    try {
      result = job.run();
    } catch (err) {
      // A job that throws before returning a promise must not leave the queue running forever.
      result = Promise.reject(err);
    }
    // The queue is free again before the caller hears the outcome, so a caller that awaits one job and then adds
    // the next is never refused as if the first were still running.
    const settle = (settleJob: () => void) => {
      this.running = false;
      settleJob();
      this.next();
    };
    result.then(
      (value) => settle(() => job.resolve(value)),
      (err) => settle(() => job.reject(err)),
    );
  }
}
