import { pastSpan, span, tracingOn } from '../tracing/index.js';

/**
 * Wall time per phase of one operation, for a `Server-Timing` header: operators and benches see
 * where a publish spends its time without a tracer. Phases named twice add up. With tracing on,
 * each phase is also a span (`publish.validate`, ...) under the request's: one measurement, two
 * outlets.
 */
export class PhaseTimer {
  private readonly phases = new Map<string, number>();
  private readonly start = performance.now();
  private last = this.start;

  /** `operation` prefixes the phases' span names. */
  constructor(private readonly operation = 'publish') {}

  /** Ends the current phase under this name (the time since the previous mark). */
  mark(name: string): void {
    const now = performance.now();
    this.phases.set(name, (this.phases.get(name) ?? 0) + (now - this.last));
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
      this.phases.set(name, (this.phases.get(name) ?? 0) + (performance.now() - t0));
    }
  }

  /** `read;dur=1.2, validate;dur=7.9, ..., total;dur=20.3` */
  header(): string {
    const parts = [...this.phases].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`);
    return [...parts, `total;dur=${(performance.now() - this.start).toFixed(1)}`].join(', ');
  }
}
