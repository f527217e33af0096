import type { Context, Hono } from 'hono';
import type { Actor } from '../auth/tokens.js';
import type { RegistryContext } from '../registry/context.js';

export interface AppEnv {
  Variables: { actor: Actor | null; registry: RegistryContext };
}

export type App = Hono<AppEnv>;
export type Ctx = Context<AppEnv>;

/** The package name from the route, decoded (`@scope%2Fname` and `@scope/name` both arrive here as `@scope/name`). */
export const nameParam = (c: Ctx) => c.req.param('name')!;
