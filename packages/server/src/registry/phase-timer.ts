/**
 * Wall time per phase of one operation, for a `Server-Timing` header: operators and benches see
 * where a publish spends its time without a tracer. Phases named twice add up.
 */
export class PhaseTimer {
  private readonly phases = new Map<string, number>();
  private readonly start = performance.now();
  private last = this.start;

  /** Ends the current phase under this name (the time since the previous mark). */
  mark(name: string): void {
    const now = performance.now();
    this.phases.set(name, (this.phases.get(name) ?? 0) + (now - this.last));
    this.last = now;
  }

  /** Times one awaited step under its own name, leaving the surrounding phase's clock alone. */
  async time<T>(name: string, step: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await step();
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
