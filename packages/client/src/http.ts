import { encodeName } from '@unjucks/core';
import { CliError, RegistryError } from './errors.js';
import type { Settings } from './config.js';
import { get, type GetResponse } from './get.js';

export const packageUrl = (registry: string, name: string, ...rest: string[]) =>
  [`${registry}/api/v1/packages/${encodeName(name)}`, ...rest.map(encodeURIComponent)].join('/');

/** Sends the token only to the configured registry's origin, never to another host. */
function authHeaders(settings: Settings, url: string): Record<string, string> {
  if (!settings.token) return {};
  return new URL(url).origin === new URL(settings.registry).origin ? { authorization: `Bearer ${settings.token}` } : {};
}

/** The registry could not be reached at all (as opposed to answering with an error). */
export class UnreachableError extends CliError {}

function registryError(what: string, status: number, text: string): RegistryError {
  let message = text.slice(0, 500);
  let code: string | null = null;
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    /* not JSON */
  }
  return new RegistryError(`${what}: the registry answered ${status}: ${message}${code ? ` (code: ${code})` : ''}`, status, code);
}

async function send(settings: Settings, url: string, init: RequestInit, what: string, accept: number[] = []): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { ...authHeaders(settings, url), ...(init.headers as Record<string, string>) } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UnreachableError(
      `${what}: cannot reach the registry at ${settings.registry} (${cause?.code ?? cause?.message ?? (e as Error).message}); is it running? Check --registry`,
    );
  }
  if (!res.ok && !accept.includes(res.status)) {
    throw registryError(what, res.status, await res.text());
  }
  return res;
}

/** A GET through node:http (see get.ts), with the same errors as `send`. */
async function fetchGet(settings: Settings, url: string, headers: Record<string, string>, what: string, accept: number[] = []): Promise<GetResponse> {
  let res: GetResponse;
  try {
    res = await get(url, (u) => ({ ...authHeaders(settings, u), ...headers }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UnreachableError(`${what}: cannot reach the registry at ${settings.registry} (${err.code ?? err.message}); is it running? Check --registry`);
  }
  if ((res.status < 200 || res.status > 299) && !accept.includes(res.status)) {
    throw registryError(what, res.status, res.body.toString('utf8'));
  }
  return res;
}

export async function getJson<T>(settings: Settings, url: string, what: string): Promise<T> {
  return JSON.parse((await fetchGet(settings, url, { accept: 'application/json' }, what)).body.toString('utf8')) as T;
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
  return (await fetchGet(settings, url, {}, what)).body;
}

/** A GET that revalidates a cached copy: null when the registry answers 304 Not Modified. */
export async function getJsonIfChanged<T>(
  settings: Settings,
  url: string,
  etag: string | null,
  what: string,
): Promise<{ body: T; etag: string | null } | null> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (etag) headers['if-none-match'] = etag;
  const res = await fetchGet(settings, url, headers, what, [304]);
  if (res.status === 304) return null;
  const tag = res.headers.etag;
  return { body: JSON.parse(res.body.toString('utf8')) as T, etag: typeof tag === 'string' ? tag : null };
}
