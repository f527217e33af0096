import { isInputError } from '@unjucks/core';
import { listAudit, type AuditQuery } from '../../access/audit.js';
import type { WebCtx } from '../env.js';
import { fmtTime, Notice, Page, page, WEB } from '../layout.js';
import { requireSignIn } from './account.js';

const FILTERS = ['actor', 'action', 'target', 'org', 'outcome'] as const;

/** The audit log through the API's own listAudit: admins read all, org owners their orgs'. */
export async function auditPage(c: WebCtx) {
  const redirect = requireSignIn(c);
  if (redirect) return redirect;
  const q: AuditQuery = { limit: '100' };
  for (const k of [...FILTERS, 'before'] as const) {
    const v = c.req.query(k);
    if (v) q[k] = v;
  }
  let records: Awaited<ReturnType<typeof listAudit>> | null = null;
  let error: string | null = null;
  let status: 200 | 400 | 403 = 200;
  try {
    records = await listAudit(c.get('registry').db, c.get('actor'), q);
  } catch (e) {
    if (!isInputError(e)) throw e;
    error = e.message;
    status = e.status === 403 ? 403 : 400;
  }
  const rows = records?.records ?? [];
  return page(
    c,
    <Page title="Audit log" actor={c.get('actor')} csrf={c.get('session')?.csrf}>
      <h1>Audit log</h1>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form method="get" action={`${WEB}/audit`} class="filters">
        {FILTERS.map((k) => (
          <span class="field-inline">
            <label for={`f-${k}`}>{k}</label> <input id={`f-${k}`} name={k} value={q[k] ?? ''} />
          </span>
        ))}
        <button type="submit">Filter</button>
      </form>
      {records ? (
        <table class="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{fmtTime(r.at)}</td>
                <td>{String(r.actor ?? '')}</td>
                <td>
                  <code>{String(r.action)}</code>
                </td>
                <td>{String(r.target ?? '')}</td>
                <td>
                  {String(r.outcome)} ({String(r.status)})
                </td>
                <td>{String(r.ip ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {records?.next ? (
        <nav class="pager" aria-label="Pages">
          <a
            href={`${WEB}/audit?${new URLSearchParams({ ...Object.fromEntries(FILTERS.flatMap((k) => (q[k] ? [[k, q[k]!]] : []))), before: String(records.next) })}`}
          >
            Older records
          </a>
        </nav>
      ) : null}
    </Page>,
    status,
  );
}
