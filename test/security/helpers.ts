import type { TestServer } from '../helpers/server.js';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** One JSON request against the native API, with optional token and extra headers. */
export async function call(server: TestServer, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
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
