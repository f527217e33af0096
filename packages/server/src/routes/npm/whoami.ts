import { requireActor } from '../../access/rights.js';
import type { App } from '../app-env.js';

/** GET /-/whoami — npm whoami. */
export const npmWhoami = (app: App) => app.get('/-/whoami', (c) => c.json({ username: requireActor(c.get('actor'), 'npm whoami').userName }));
