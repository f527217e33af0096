import { InputError } from '@unjucks/core';

/** Every JSON request body is at most this large, unless its route says otherwise (npm's publish). */
export const JSON_BODY_LIMIT = 64 * 1024;
/** Nesting deeper than this is refused before JSON.parse ever sees the body; no request needs more. */
export const JSON_MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Tracks how deeply a JSON text nests, a chunk at a time, without parsing it. Bytes are enough:
 * the characters that matter are ASCII, and UTF-8 never uses ASCII bytes inside a longer character.
 */
export class DepthScanner {
  depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number) {}

  /** Scans one more chunk; false as soon as the nesting goes past the limit. */
  push(chunk: Uint8Array): boolean {
    let { depth, inString, escaped } = this;
    const max = this.maxDepth;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++depth > max) {
          this.depth = depth;
          return false;
        }
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }
}

/**
 * Reads a JSON body from a stream: refused with 413 the moment it passes `maxBytes` and with 400
 * the moment it nests past `maxDepth`, so neither a huge nor a deep document is ever buffered
 * whole or handed to JSON.parse (which would hold the event loop for seconds).
 */
export async function readJsonStream(
  body: ReadableStream<Uint8Array> | null,
  opts: { expected: string; maxBytes?: number; maxDepth?: number },
): Promise<unknown> {
  const maxBytes = opts.maxBytes ?? JSON_BODY_LIMIT;
  const maxDepth = opts.maxDepth ?? JSON_MAX_DEPTH;
  if (!body) throw new InputError(`the request body must be JSON: ${opts.expected}`);
  const scanner = new DepthScanner(maxDepth);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new InputError(`the request body is larger than ${maxBytes} bytes; ${opts.expected}`, 'payload_too_large');
      if (!scanner.push(value)) throw new InputError(`the request body nests deeper than ${maxDepth} levels; ${opts.expected}`, 'bad_request');
      chunks.push(value);
    }
  } catch (e) {
    // Stop the upload: nothing more of it will be read.
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new InputError(`the request body must be JSON: ${opts.expected}`);
  }
}
