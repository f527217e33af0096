import { AuditQuery, AuditListSchema } from '@unjucks/core/api-schemas';
import { listAudit } from '../access/audit.js';
import type { App } from '../app-env.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/audit?actor=&action=&target=&org=&outcome=&since=&until=&before=&limit= — newest first. */
export function auditList(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Read the audit log, newest first (admins; org owners for their orgs)',
      tags: ['admin'],
      auth: { kind: 'token' },
      errors: ['not_found'],
      what: 'reading the audit log',
      query: AuditQuery,
      responses: { 200: { description: 'Audit records.', schema: AuditListSchema } },
    },
    async (c) => c.json(await listAudit(c.get('registry').db, c.get('actor'), c.req.valid('query'))),
  );
}
