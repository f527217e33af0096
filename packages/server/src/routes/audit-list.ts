import { listAudit } from '../access/audit.js';
import type { App } from './app-env.js';

/** GET /api/v1/audit?actor=&action=&target=&org=&outcome=&since=&until=&before=&limit= — newest first. */
export function auditList(app: App) {
  app.get('/api/v1/audit', async (c) => c.json(await listAudit(c.get('registry').db, c.get('actor'), c.req.query())));
}
