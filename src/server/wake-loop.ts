/**
 * Runs `work` when woken, and on a backstop timer. Wakes that arrive while it runs coalesce into
 * one more run, so a burst of wakes costs at most two runs and `work` never overlaps itself.
 * The outbox poller and the executor's claim loop are both one of these.
 */
export class WakeLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private active = false;

  constructor(
    private readonly options: {
      work: () => Promise<void>;
      /** Backstop: work runs at least this often, for what no wake announced (another instance's rows). */
      pollMs: number;
      /** A failed run is reported here; the next wake or poll tries again. */
      onError: (error: unknown) => void;
    },
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** No more wakes; resolves once the run in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.settled();
  }

  get isActive(): boolean {
    return this.active;
  }

  wake(): void {
    if (!this.active) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.options
      .work()
      .catch(this.options.onError)
      .finally(() => {
        this.inFlight = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once the run in flight (if any) has finished. */
  async settled(): Promise<void> {
    await this.inFlight;
  }
}
