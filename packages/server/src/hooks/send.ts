import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isInputError } from '@unjucks/core';
import { checkHookUrl, type HookPolicy } from './ssrf.js';

export interface SendOptions extends HookPolicy {
  /** The whole request, answer included, must be done by then. */
  timeoutMs: number;
  /** Bytes of the answer read at most (the first of them are recorded); the rest is not read. */
  maxResponseBytes: number;
}

export interface AttemptResult {
  ok: boolean;
  durationMs: number;
  responseCode: number | null;
  responseStart: string | null;
  error: string | null;
}

/** How much of an answer is kept with the attempt. */
const RESPONSE_START = 512;

/** A lookup that answers with the address already checked, whatever name is asked. */
const pinned = (address: string, family: 4 | 6): LookupFunction =>
  ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;

/**
 * POSTs one delivery. The URL is checked (and its host resolved) again now, since DNS answers
 * change; the socket goes to the checked address, TLS still verifies the certificate for the
 * host name. Redirects are answers, never followed; the whole exchange has a deadline and the
 * answer a size cap. Never throws: every outcome is an attempt to record.
 */
export async function sendHook(rawUrl: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const done = (r: Omit<AttemptResult, 'durationMs'>): AttemptResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
  let target;
  try {
    target = await checkHookUrl(rawUrl, opts);
  } catch (e) {
    return done({ ok: false, responseCode: null, responseStart: null, error: isInputError(e) ? e.message : String(e) });
  }
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(done(r));
    };
    const req = request(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'unjucks-registry-webhooks/1',
        ...headers,
      },
      lookup: pinned(target.address, target.family),
      agent: false,
    });
    const timer = setTimeout(
      () => finish({ ok: false, responseCode: null, responseStart: null, error: `no complete answer within ${opts.timeoutMs} ms` }),
      opts.timeoutMs,
    );
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, responseCode: null, responseStart: null, error: `${e.code ?? 'error'}: ${e.message}` }));
    req.on('response', (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const conclude = (note: string | null) => {
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_START).toString('utf8');
        const ok = code >= 200 && code < 300;
        const redirect =
          code >= 300 && code < 400
            ? `answered ${code} (a redirect${res.headers.location ? ` to ${String(res.headers.location).slice(0, 200)}` : ''}), which is not followed; give the final URL`
            : null;
        finish({ ok, responseCode: code, responseStart: text || null, error: redirect ?? (ok ? note : `answered ${code}`) });
      };
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxResponseBytes) return conclude(`answer cut at ${opts.maxResponseBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('end', () => conclude(null));
      res.on('error', () => conclude(null));
    });
    req.end(body);
  });
}
