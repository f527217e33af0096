import { requireActor } from '../../access/rights.js';
import type { NpmApp } from '../../app-env.js';

/** GET /-/whoami — npm whoami. */
export const npmWhoami = (app: NpmApp) => app.get('/-/whoami', (c) => c.json({ username: requireActor(c.get('actor'), 'npm whoami').userName }));
