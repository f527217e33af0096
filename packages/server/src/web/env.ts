import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { WebSession } from './session.js';

export interface WebEnv {
  Variables: AppEnv['Variables'] & { session: WebSession | null };
}
export type WebApp = Hono<WebEnv>;
export type WebCtx = Context<WebEnv>;
