import { encodeName } from '@unjucks/core';
import { CliError } from './errors.js';
import type { Settings } from './config.js';

export const packageUrl = (registry: string, name: string, ...rest: string[]) =>
  [`${registry}/api/v1/packages/${encodeName(name)}`, ...rest.map(encodeURIComponent)].join('/');

/** Sends the token only to the configured registry's origin, never to another host. */
function authHeaders(settings: Settings, url: string): Record<string, string> {
  if (!settings.token) return {};
  return new URL(url).origin === new URL(settings.registry).origin ? { authorization: `Bearer ${settings.token}` } : {};
}

/** The registry could not be reached at all (as opposed to answering with an error). */
export class UnreachableError extends CliError {}

async function send(settings: Settings, url: string, init: RequestInit, what: string, accept: number[] = []): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { ...authHeaders(settings, url), ...(init.headers as Record<string, string>) } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UnreachableError(`${what}: cannot reach the registry at ${settings.registry} (${cause?.code ?? cause?.message ?? (e as Error).message}); is it running? Check --registry`);
  }
  if (!res.ok && !accept.includes(res.status)) {
    const text = await res.text();
    let message = text.slice(0, 500);
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      /* not JSON */
    }
    throw new CliError(`${what}: the registry answered ${res.status}: ${message}`);
  }
  return res;
}

export async function getJson<T>(settings: Settings, url: string, what: string): Promise<T> {
  return (await send(settings, url, { headers: { accept: 'application/json' } }, what)).json() as Promise<T>;
}

export async function sendJson<T>(settings: Settings, method: string, url: string, body: unknown, what: string): Promise<{ status: number; body: T }> {
  const res = await send(settings, url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, what);
  return { status: res.status, body: (await res.json()) as T };
}

export async function postBytes<T>(settings: Settings, url: string, bytes: Uint8Array, what: string): Promise<{ status: number; body: T }> {
  const res = await send(settings, url, { method: 'POST', body: bytes as unknown as BodyInit, headers: { 'content-type': 'application/octet-stream' } }, what);
  return { status: res.status, body: (await res.json()) as T };
}

export async function getBytes(settings: Settings, url: string, what: string): Promise<Buffer> {
  return Buffer.from(await (await send(settings, url, {}, what)).arrayBuffer());
}

/** A GET that revalidates a cached copy: null when the registry answers 304 Not Modified. */
export async function getJsonIfChanged<T>(settings: Settings, url: string, etag: string | null, what: string): Promise<{ body: T; etag: string | null } | null> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (etag) headers['if-none-match'] = etag;
  const res = await send(settings, url, { headers }, what, [304]);
  if (res.status === 304) return null;
  return { body: (await res.json()) as T, etag: res.headers.get('etag') };
}
