import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
}

/** What the receiver answers to the n-th request (from 1); it may also write the answer itself. */
export type Answer = (n: number, req: IncomingMessage, res: ServerResponse) => number | void;

/** A webhook receiver on loopback that records every request and answers as told. */
export async function startReceiver(answer: Answer = () => 200) {
  const received: Received[] = [];
  let respond = answer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // Kept as text.
      }
      received.push({ path: req.url ?? '/', headers: req.headers, body, json });
      const status = respond(received.length, req, res);
      if (typeof status === 'number') res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `boom ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answer(next: Answer) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * Checks an Unjucks-Signature header as a receiver would (README: "Webhooks"): HMAC-SHA256 over
 * "<t>.<body>" with the hook secret, compared in constant time, and `t` no older than `toleranceS`.
 */
export function verifySignature(secret: string, header: string | undefined, body: string, toleranceS = 300, now = Date.now()): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  const given = Buffer.from(m[2]!, 'hex');
  return timingSafeEqual(expected, given) && Math.abs(now / 1000 - Number(m[1])) <= toleranceS;
}
