import { createHash } from 'node:crypto';
import type { Severity } from '@unjucks/core';
import { Findings, type RuleId } from './findings.js';

/** One call to Findings.add, as made. */
type Recorded = [rule: RuleId, message: string, where: { file?: string; line?: number; column?: number }, severity: Severity | undefined];

/** A file whose checks add more findings than this is checked again each time rather than kept. */
const MAX_RECORDED = 200;

/**
 * Passes every call on to the report's Findings and records the findings added, so a memo can
 * replay them: the replay makes the same calls in the same order, so caps and counts come out the
 * same. Asks the real collector about the time budget, and notes when it ran out (a partial result
 * is never kept).
 */
class RecordingFindings extends Findings {
  readonly log: Recorded[] = [];
  overflow = false;
  ranOut = false;

  constructor(private readonly target: Findings) {
    super();
  }

  override add(rule: RuleId, message: string, where: { file?: string; line?: number; column?: number } = {}, severity?: Severity) {
    this.target.add(rule, message, where, severity);
    if (this.log.length < MAX_RECORDED) this.log.push([rule, message, { ...where }, severity]);
    else this.overflow = true;
  }

  override outOfTime(): boolean {
    if (!this.target.outOfTime()) return false;
    this.ranOut = true;
    return true;
  }
}

/**
 * Writes a value as text for a hash, such that two different values never write the same text:
 * each value is tagged with its type, strings and containers with their length. Buffers are
 * written as their own chunks. Returns false for a value it does not know how to write (a
 * function, a class instance), which is then not memoized.
 */
function serialize(v: unknown, out: { text: string; chunks: (string | Uint8Array)[] }): boolean {
  if (v === null) out.text += 'N';
  else if (v === undefined) out.text += 'U';
  else if (typeof v === 'boolean') out.text += v ? 'T' : 'F';
  // Object.is tells -0 from 0; String tells NaN and the infinities apart.
  else if (typeof v === 'number') out.text += `n${Object.is(v, -0) ? '-0' : String(v)};`;
  else if (typeof v === 'string') out.text += `s${v.length}:${v}`;
  else if (v instanceof Uint8Array) {
    out.chunks.push(`${out.text}b${v.byteLength}:`, v);
    out.text = '';
  } else if (Array.isArray(v)) {
    out.text += `a${v.length}:`;
    for (const x of v) if (!serialize(x, out)) return false;
  } else if (v instanceof Set) {
    out.text += `S${v.size}:`;
    for (const x of [...v].map(String).sort()) serialize(x, out);
  } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v).sort();
    out.text += `o${keys.length}:`;
    for (const k of keys) if (!serialize(k, out) || !serialize((v as Record<string, unknown>)[k], out)) return false;
  } else return false;
  return true;
}

function keyOf(parts: unknown[]): string | null {
  const out = { text: '', chunks: [] as (string | Uint8Array)[] };
  if (!serialize(parts, out)) return null;
  const h = createHash('sha256');
  // UTF-16 code units, not UTF-8: UTF-8 writes every lone surrogate as the same bytes.
  for (const c of out.chunks) {
    if (typeof c === 'string') h.update(c, 'utf16le');
    else h.update(c);
  }
  return h.update(out.text, 'utf16le').digest('base64');
}

/**
 * Per-file validation results by content: the same bytes checked with the same inputs give the
 * same findings, so a new version that changes a few files of a package re-checks only those.
 * The key is a hash of the validator version, what is computed, and every input of the
 * computation (the file's path and bytes, and the package-level inputs the check reads, such as
 * variable defaults and known filters); the computations keyed here read nothing else. Options that
 * act on the whole report (refused capabilities, supported Unjucks versions, rejected entries) are
 * applied outside the memoized parts, so they need not be in the key.
 *
 * Entries live in this process (a validation worker) only, so they never outlive the code that
 * made them. Least recently used ones go first.
 */
export class ValidationMemo {
  private readonly entries = new Map<string, { log: Recorded[]; result: unknown }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly version: string,
    private readonly maxEntries = 4096,
  ) {}

  /**
   * `compute(findings)` with `inputs` as everything it reads: its findings go to `findings`, and
   * its result is returned. On a hit the recorded findings are replayed and a copy of the kept
   * result returned (callers may change what they get). Not kept: results cut short by the time
   * budget, results with very many findings, and inputs the key cannot express.
   */
  run<T>(kind: string, inputs: unknown[], findings: Findings, compute: (findings: Findings) => T): T {
    const key = keyOf([this.version, kind, ...inputs]);
    const hit = key === null ? undefined : this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key!);
      this.entries.set(key!, hit);
      for (const [rule, message, where, severity] of hit.log) findings.add(rule, message, where, severity);
      return structuredClone(hit.result) as T;
    }
    this.misses++;
    const recorder = new RecordingFindings(findings);
    const result = compute(recorder);
    if (key !== null && !recorder.ranOut && !recorder.overflow) {
      let kept: unknown;
      try {
        kept = structuredClone(result);
      } catch {
        return result; // not plain data: not kept
      }
      this.entries.set(key, { log: recorder.log, result: kept });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return result;
  }

  get size(): number {
    return this.entries.size;
  }
}
