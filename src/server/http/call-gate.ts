/**
 * Holds a WebSocket's messages while its queries and mutations in flight leave no room for the
 * calls a message carries, so a client that sends call after call gets them run as earlier ones
 * finish instead of refused by the thousand (a refusal through tRPC costs more than many calls).
 * It also holds every call and subscription start while the socket is backlogged (`backlogged`):
 * a client that does not read its answers gets no more work started. Held messages wait in
 * memory up to a message's worth (`holdBytes`); past it the socket is not read (TCP pushes back on
 * the client) until they go. Below it the socket is still read, so a stop from a client whose
 * answers are backed up is heard. A message whose calls alone exceed the cap
 * still goes once nothing is in flight; the calls past the cap are then refused (TOO_MANY_REQUESTS)
 * as before. Messages keep their order; a message with no calls (a subscription, a stop) waits
 * behind held ones so a stop never overtakes its start.
 *
 * tRPC counts a call in flight a few promise jobs after its message is handed over (once the
 * socket's context exists), so calls handed over in this turn of the event loop are counted here
 * until the next one, and no call or subscription start is handed over before the context is made
 * (`open`): until then tRPC would only queue them, uncounted and unpaced. Messages without either
 * (the connection parameters the context is made from) go on meanwhile.
 *
 * A socket may also be paced (anonymous owners, see AddressLimits.paceAnonymousCalls): then a
 * message also waits, held like the others, until its address's allowance covers its requests.
 */
export class CallGate {
  private readonly held: { data: Buffer; calls: number; requests: number }[] = [];
  private heldBytes = 0;
  private isBacklogged = false;
  private handedOverThisTurn = 0;
  private turnScheduled = false;
  private drainScheduled = false;
  private inFlight: (() => number) | null = null;
  private pace: Pace | null = null;
  private paceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cap: number,
    /** Held messages past this many bytes stop the socket being read. */
    private readonly holdBytes: number,
    private readonly handOver: (data: Buffer) => void,
    /** Told when the held messages pass `holdBytes` (true) and when they are back under it (false): the socket stops and resumes reading. */
    private readonly onFull: (full: boolean) => void,
  ) {}

  /**
   * A message carrying `calls` queries and mutations, and `requests` calls and subscription starts
   * in all: handed over now, or held until there is room (and, when paced, allowance).
   */
  offer(data: Buffer, calls: number, requests: number): void {
    if (this.held.length === 0 && this.mayPass(calls, requests)) {
      this.pass(data, calls);
      return;
    }
    this.held.push({ data, calls, requests });
    this.heldBytes += data.length;
    if (this.heldBytes > this.holdBytes && this.heldBytes - data.length <= this.holdBytes) this.onFull(true);
  }

  /** Whether calls wait for the socket's backlog to drain (setBacklogged). */
  get backlogged(): boolean {
    return this.isBacklogged;
  }

  /**
   * The socket's unread backlog passed its mark (true) or drained (false): calls and subscription
   * starts wait until it drains; messages without them (a stop) still go when nothing is held.
   */
  setBacklogged(backlogged: boolean): void {
    this.isBacklogged = backlogged;
    if (!backlogged) this.settled();
  }

  /**
   * The socket's context is made: `inFlight` counts its calls from now on, `pace` (if any) paces
   * its requests, and held calls may go.
   */
  open(inFlight: () => number, pace?: Pace): void {
    this.inFlight = inFlight;
    this.pace = pace ?? null;
    this.settled();
  }

  /** A call was answered: held messages that now fit are handed over (once tRPC has counted the last ones). */
  settled(): void {
    if (this.held.length === 0 || this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** The socket closed: what is held is never answered. */
  discard(): void {
    this.held.length = 0;
    this.heldBytes = 0;
    clearTimeout(this.paceTimer ?? undefined);
  }

  private drain(): void {
    const wasFull = this.heldBytes > this.holdBytes;
    while (this.held.length > 0 && this.mayPass(this.held[0]!.calls, this.held[0]!.requests)) {
      const next = this.held.shift()!;
      this.heldBytes -= next.data.length;
      this.pass(next.data, next.calls);
    }
    if (wasFull && this.heldBytes <= this.holdBytes) this.onFull(false);
  }

  /** Room for the calls, then the pace's allowance for the requests (taken when given); else a later look is due. */
  private mayPass(calls: number, requests: number): boolean {
    if (requests === 0) return true;
    if (this.isBacklogged || !this.hasRoomFor(calls)) return false;
    if (!this.pace) return true;
    const waitMs = this.pace(requests);
    if (waitMs === 0) return true;
    this.paceTimer ??= setTimeout(() => {
      this.paceTimer = null;
      this.drain();
    }, waitMs);
    return false;
  }

  /** Only once the context is made (`open`): a message with no calls (a subscription start) then has room. */
  private hasRoomFor(calls: number): boolean {
    if (!this.inFlight) return false;
    const busy = this.inFlight() + this.handedOverThisTurn;
    return busy === 0 || busy + calls <= this.cap;
  }

  private pass(data: Buffer, calls: number): void {
    this.handedOverThisTurn += calls;
    if (!this.turnScheduled && calls > 0) {
      this.turnScheduled = true;
      setImmediate(() => {
        this.turnScheduled = false;
        this.handedOverThisTurn = 0;
        // Calls that never reached their slot (refused, unknown) settle nothing: look again.
        if (this.held.length > 0) this.settled();
      });
    }
    this.handOver(data);
  }
}

/** Takes `requests` of an allowance and returns 0, or returns the ms until there is enough. */
export type Pace = (requests: number) => number;
