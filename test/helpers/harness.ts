import { readFile } from 'node:fs/promises';
import type { TokenAction } from '@unjucks/core';
import { inject } from 'vitest';
import { createApp, type AppOptions } from '../../packages/server/src/app.js';
import { createMemoryRegistry, seedToken } from '../../packages/server/src/memory-registry.js';

/**
 * The registry in this process: createApp over an in-memory PGlite and the memory blob store,
 * driven with app.request(). For route behaviour (validation, rights, answers); what needs a
 * process (replicas, faults, shutdown, the real CLIs) stays in the spawned *.e2e suites.
 */
export async function createHarness(options: AppOptions = {}) {
  // A copy of the database global-setup.ts migrated, instead of migrating each registry's own.
  const migrated = new Blob([await readFile(inject('memoryTemplate'))]);
  const { registry, close } = await createMemoryRegistry({}, { migrated });
  const app = createApp(registry, options);

  /** A user (created on first use) and a token for them with exactly these actions and patterns. */
  const token = (user: string, actions: readonly TokenAction[], opts: { admin?: boolean; packages?: string[] } = {}) =>
    seedToken(registry, user, [...actions], opts);

  const request = (method: string, path: string, opts: { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}) =>
    app.request(path, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
    });

  return { app, registry, db: registry.db, token, request, close };
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;
