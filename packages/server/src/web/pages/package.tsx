import { raw } from 'hono/html';
import { generatorsOf, InputError, SCRIPT_CAPABILITIES, sortVersions, type GeneratorListing, type ValidationReport } from '@unjucks/core';
import { storedReport, type PackageSnapshot, type VersionRow } from '../../registry/snapshot.js';
import type { WebCtx } from '../env.js';
import { fmtDate, Notice, packageUrl, Page, userUrl, page } from '../layout.js';
import { chosenVersion, dailyDownloads, readmeHtml, viewablePackage } from '../package-data.js';

/** The package name and what follows it in a /-/web/package/... path (a scope takes two segments). */
export function splitPackagePath(rest: string): { name: string; sub: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new InputError(`the path ${rest} is not valid percent-encoding`, 'bad_request');
  }
  const parts = decoded.split('/');
  const n = parts[0]?.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, n).join('/'), sub: parts.slice(n).join('/') };
}

function repositoryUrl(repo: VersionRow['manifest']['repository']): string | null {
  const url = typeof repo === 'string' ? repo : repo?.url;
  if (!url) return null;
  const https = url
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/\.git$/, '');
  const gh = /^github:(.+)$/.exec(url) ?? /^([\w.-]+\/[\w.-]+)$/.exec(url);
  const out = gh ? `https://github.com/${gh[1]}` : https;
  return /^https?:\/\//.test(out) ? out : null;
}

export function DownloadsChart({ days }: { days: { day: string; count: number }[] }) {
  const max = Math.max(1, ...days.map((d) => d.count));
  const total = days.reduce((n, d) => n + d.count, 0);
  const W = 6;
  const H = 40;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${days.length * W} ${H}`}
        width={days.length * W * 1.5}
        height={H * 1.5}
        role="img"
        aria-label={`${total} downloads in the last 30 days`}
      >
        {days.map((d, i) => {
          const h = d.count === 0 ? 1 : Math.max(2, Math.round((d.count / max) * (H - 2)));
          return (
            <rect x={i * W + 1} y={H - h} width={W - 2} height={h} fill={d.count ? '#2463b5' : '#c9d3e0'}>
              <title>{`${d.day}: ${d.count}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>{total.toLocaleString('en')} downloads in the last 30 days</figcaption>
    </figure>
  );
}

export function CopyLine({ text, label }: { text: string; label: string }) {
  return (
    <div class="copy-line">
      <code>{text}</code>
      <button type="button" class="copy" data-copy={text} aria-label={`Copy: ${label}`}>
        Copy
      </button>
    </div>
  );
}

const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function GeneratorsTable({ name, version, generators }: { name: string; version: string; generators: GeneratorListing[] }) {
  if (generators.length === 0) return <p>This version declares and contains no generators.</p>;
  return (
    <>
      {generators.map((g) => (
        <section class="generator">
          <h3>
            Generator <code>{g.name}</code>
          </h3>
          {g.description ? <p>{g.description}</p> : null}
          {g.templates.map((t) => (
            <div class="template">
              <h4>
                <code>
                  {g.name}/{t.name}
                </code>{' '}
                {t.engines.length ? <span class="meta">{t.engines.join(', ')}</span> : null}{' '}
                <a href={packageUrl(name, `/preview?v=${encodeURIComponent(version)}&t=${encodeURIComponent(`${g.name}/${t.name}`)}`)}>Preview</a>
              </h4>
              {t.description ? <p>{t.description}</p> : null}
              {t.variables.length ? (
                <table>
                  <caption class="visually-hidden">{`Variables of ${g.name}/${t.name}`}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Variable</th>
                      <th scope="col">Type</th>
                      <th scope="col">Required</th>
                      <th scope="col">Default</th>
                      <th scope="col">Description</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.variables.map((v) => (
                      <tr>
                        <th scope="row">
                          <code>{v.name}</code>
                        </th>
                        <td>{v.type ?? ''}</td>
                        <td>{v.required ? 'yes' : 'no'}</td>
                        <td>{v.default !== undefined ? <code>{show(v.default)}</code> : ''}</td>
                        <td>{v.description ?? (v.source === 'inferred' ? <span class="meta">inferred from the template</span> : '')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="meta">No variables.</p>
              )}
            </div>
          ))}
        </section>
      ))}
    </>
  );
}

export function ReportView({ report }: { report: ValidationReport | null }) {
  if (!report) return <p>This version was published before validation existed; it has no report.</p>;
  return (
    <>
      <p>
        Quality <strong>{report.quality}</strong>/100 · {report.errors} error{report.errors === 1 ? '' : 's'}, {report.warnings} warning
        {report.warnings === 1 ? '' : 's'} · validator {report.validator}
      </p>
      <h3>Capabilities</h3>
      {report.capabilityDetails.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Capability</th>
              <th scope="col">File</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {report.capabilityDetails.map((cap) => (
              <tr>
                <th scope="row">
                  <span class={`badge ${SCRIPT_CAPABILITIES.includes(cap.name) ? 'badge-warn' : ''}`}>{cap.name}</span>
                </th>
                <td>
                  <code>{cap.file}</code>
                </td>
                <td>{cap.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>None: the templates only write files into the destination.</p>
      )}
      <h3>Findings</h3>
      {report.findings.length ? (
        <ul class="findings">
          {report.findings.map((f) => (
            <li class={`finding finding-${f.severity}`}>
              <span class="badge">{f.severity}</span> <code>{f.rule}</code>
              {f.file ? (
                <>
                  {' in '}
                  <code>
                    {f.file}
                    {f.line ? `:${f.line}` : ''}
                  </code>
                </>
              ) : null}
              : {f.message}
              {f.hint ? <div class="hint">{f.hint}</div> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>No findings.</p>
      )}
    </>
  );
}

export function PackageHeader({ s, v }: { s: PackageSnapshot; v: VersionRow }) {
  return (
    <>
      <h1>
        {s.pkg.name} <span class="version">{v.version}</span>
        {s.pkg.private ? <span class="badge badge-private">private</span> : null}
      </h1>
      {v.manifest.description ? <p class="lead">{v.manifest.description}</p> : null}
      {v.deprecated ? (
        <Notice kind="warn">
          <strong>Deprecated:</strong> {v.deprecated}
        </Notice>
      ) : null}
    </>
  );
}

export async function packagePage(c: WebCtx, name: string) {
  const registry = c.get('registry');
  const t0 = performance.now();
  const s = await viewablePackage(registry, c.get('actor'), name);
  const v = chosenVersion(s, c.req.query('v'));
  // The snapshot's row has the report without its findings (ReportSummary), which this page lists.
  const [days, report] = await Promise.all([dailyDownloads(registry, s.pkg.id), storedReport(registry.db, v.id)]);
  const generators = generatorsOf(v.manifest, v.report?.templates);
  const tagsOf = new Map<string, string[]>();
  for (const [tag, ver] of Object.entries(s.tags)) tagsOf.set(ver, [...(tagsOf.get(ver) ?? []), tag]);
  const ordered = sortVersions([...s.versions.keys()]).reverse();
  const repo = repositoryUrl(v.manifest.repository);
  const isLatest = s.tags.latest === v.version;
  const spec = isLatest ? s.pkg.name : `${s.pkg.name}@${v.version}`;
  const tData = performance.now();
  const html = readmeHtml(s, v);
  const tReadme = performance.now();
  const body = (
    <Page title={s.pkg.name} actor={c.get('actor')} csrf={c.get('session')?.csrf} scripts={['copy.js']}>
      <PackageHeader s={s} v={v} />
      <div class="package-layout">
        <div class="package-main">
          <section aria-labelledby="install">
            <h2 id="install">Install</h2>
            <CopyLine text={`unjucks install ${spec}`} label="unjucks install command" />
            <CopyLine text={`npm install --save-dev ${spec}`} label="npm install command" />
          </section>
          <section aria-labelledby="readme">
            <h2 id="readme">Readme</h2>
            {html ? <div class="readme">{raw(html)}</div> : <p>This version has no README.</p>}
          </section>
          <section aria-labelledby="generators">
            <h2 id="generators">Generators, templates and variables</h2>
            <GeneratorsTable name={s.pkg.name} version={v.version} generators={generators} />
          </section>
          <section aria-labelledby="report">
            <h2 id="report">Validation report</h2>
            <ReportView report={report} />
          </section>
        </div>
        <aside class="package-side" aria-label="About this package">
          <h2>About</h2>
          <dl class="facts">
            <dt>License</dt>
            <dd>{v.manifest.license ?? 'none given'}</dd>
            <dt>Repository</dt>
            <dd>
              {repo ? (
                <a href={repo} rel="nofollow noopener noreferrer">
                  {repo.replace(/^https?:\/\//, '')}
                </a>
              ) : (
                'none given'
              )}
            </dd>
            <dt>Published</dt>
            <dd>
              {fmtDate(v.publishedAt)}
              {v.publisherName ? (
                <>
                  {' by '}
                  <a href={userUrl(v.publisherName)}>{v.publisherName}</a>
                </>
              ) : null}
            </dd>
            <dt>Files</dt>
            <dd>
              <a href={packageUrl(s.pkg.name, `/files?v=${encodeURIComponent(v.version)}`)}>
                {v.fileCount} files, {(v.unpackedSize / 1024).toFixed(1)} KiB
              </a>
            </dd>
          </dl>
          <h2>Maintainers</h2>
          <ul class="plain">
            {s.maintainers.map((m) => (
              <li>
                <a href={userUrl(m)}>{m}</a>
              </li>
            ))}
          </ul>
          <h2>Downloads</h2>
          <DownloadsChart days={days} />
          <h2>Versions</h2>
          <table class="versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
                <th scope="col">Tags</th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((ver) => {
                const row = s.versions.get(ver)!;
                return (
                  <tr class={ver === v.version ? 'current' : ''}>
                    <td>
                      <a href={packageUrl(s.pkg.name, `?v=${encodeURIComponent(ver)}`)} aria-current={ver === v.version ? 'page' : undefined}>
                        {ver}
                      </a>
                      {row.deprecated ? <span class="badge badge-warn">deprecated</span> : null}
                    </td>
                    <td>{fmtDate(row.publishedAt)}</td>
                    <td>{(tagsOf.get(ver) ?? []).join(', ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {c.get('actor') ? (
            <p>
              <a href={packageUrl(s.pkg.name, '/access')}>Access and visibility</a>
            </p>
          ) : null}
        </aside>
      </div>
    </Page>
  );
  const out = String(body);
  const tEnd = performance.now();
  c.header('Server-Timing', `data;dur=${(tData - t0).toFixed(1)}, readme;dur=${(tReadme - tData).toFixed(1)}, render;dur=${(tEnd - tReadme).toFixed(1)}`);
  return page(c, out);
}
