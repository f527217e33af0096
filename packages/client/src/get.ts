import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface GetResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

// Kept-alive connections: an install's lookups and downloads go to one host, often in parallel.
// Idle sockets are unref'd by the agent, so they never hold the process open.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * A GET on node:http rather than fetch: fetch loads undici and compiles its WebAssembly HTTP parser
 * on first use, a fixed cost that is a large share of a short install. Redirects are followed
 * (at most 5); `headersFor` is asked again for each URL, so credentials never follow a redirect
 * to another origin. A failure to connect rejects with the socket error.
 */
export async function get(url: string, headersFor: (url: string) => Record<string, string>): Promise<GetResponse> {
  for (let hops = 0; ; hops++) {
    const res = await once(url, headersFor(url));
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && location && hops < 5) {
      url = new URL(location, url).toString();
      continue;
    }
    return res;
  }
}

function once(url: string, headers: Record<string, string>): Promise<GetResponse> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(u, { method: 'GET', headers, agent: secure ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
