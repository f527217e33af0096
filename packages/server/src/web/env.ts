import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

/** The web pages share the app's variables (the session is null outside them). */
export type WebEnv = AppEnv;
export type WebApp = Hono<WebEnv>;
export type WebCtx = Context<WebEnv>;
