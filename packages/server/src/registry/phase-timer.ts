import { pastSpan, span, tracingOn } from '../tracing/index.js';

/**
 * Wall time per phase of one operation, for a `Server-Timing` header: operators and benches see
 * where a publish spends its time without a tracer. Phases named twice add up. With tracing on,
 * each phase is also a span (`publish.validate`, ...) under the request's: one measurement, two
 * outlets.
 */
export class PhaseTimer {
  private readonly durations = new Map<string, number>();
  private readonly start = performance.now();
  private last = this.start;

  /** `operation` prefixes the phases' span names. */
  constructor(private readonly operation = 'publish') {}

  /** Ends the current phase under this name (the time since the previous mark). */
  mark(name: string): void {
    const now = performance.now();
    this.durations.set(name, (this.durations.get(name) ?? 0) + (now - this.last));
    // A phase is named only once it is over: its span is made then, with the times measured.
    if (tracingOn) pastSpan(`${this.operation}.${name}`, this.last, now);
    this.last = now;
  }

  /** Times one awaited step under its own name, leaving the surrounding phase's clock alone. */
  async time<T>(name: string, step: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      // Its span is current while it runs, so the step's own spans (a blob write, queries) nest in it.
      return await (tracingOn ? span(`${this.operation}.${name}`, {}, step) : step());
    } finally {
      this.durations.set(name, (this.durations.get(name) ?? 0) + (performance.now() - t0));
    }
  }

  /** The phases so far, in order, with their wall times in ms: what a publish worker sends back. */
  phases(): [string, number][] {
    return [...this.durations];
  }

  /**
   * Adds phases timed elsewhere (a publish worker's), and starts the next phase now: the time they
   * took is theirs, not the next mark's. Their spans were the worker's to make (it has none).
   */
  include(phases: readonly [string, number][]): void {
    for (const [name, ms] of phases) this.durations.set(name, (this.durations.get(name) ?? 0) + ms);
    this.last = performance.now();
  }

  /** `read;dur=1.2, validate;dur=7.9, ..., total;dur=20.3` */
  header(): string {
    const parts = [...this.durations].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`);
    return [...parts, `total;dur=${(performance.now() - this.start).toFixed(1)}`].join(', ');
  }
}
