import { connect } from 'node:net';
import type { TestServer } from '../helpers/server.js';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** One JSON request against the native API, with optional token and extra headers. */
export async function call(
  server: TestServer,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const res = await fetch(`${server.api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy or Node answered): the raw text is the body.
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * Opens a request that sends its head and the start of its body, then trickles a byte every
 * `trickleMs` (a slow upload). `status` resolves with the status line once the server answers.
 */
export function slowRequest(url: string, head: string, first: string, trickleMs = 200) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let data = '';
  let timer: NodeJS.Timeout | undefined;
  const status = new Promise<string>((resolve) => {
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) resolve(data.split('\r\n')[0]!);
    });
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
  });
  socket.write(head + first);
  timer = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(timer)), trickleMs);
  socket.on('close', () => clearInterval(timer));
  return { status, close: () => socket.destroy() };
}

/** A JSON text nested `depth` objects deep: `{"a":{"a":...}}`. */
export const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
/** A JSON text nested `depth` arrays deep: `[[[...]]]`, 2 bytes a level (14 MB: 7 million levels). */
export const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Polls GET /health every `everyMs` until stopped; the slowest answer (ms) is the event loop's worst stall, roughly. */
export function watchHealth(url: string, everyMs = 50) {
  let worst = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await fetch(`${url}/health`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return worst;
    },
  };
}
