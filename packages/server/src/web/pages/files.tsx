import { InputError } from '@unjucks/core';
import type { WebCtx } from '../env.js';
import { packageUrl, Page, page } from '../layout.js';
import { chosenVersion, textOf, versionFiles, viewablePackage } from '../package-data.js';
import { PackageHeader } from './package.js';

/** Larger files are listed but not shown inline. */
const SHOW_MAX = 512 * 1024;

export async function filesPage(c: WebCtx, name: string) {
  const registry = c.get('registry');
  const s = await viewablePackage(registry, c.get('actor'), name);
  const v = chosenVersion(s, c.req.query('v'));
  const files = await versionFiles(registry, v);
  const path = c.req.query('path');
  const file = path ? files.find((f) => f.path === path) : undefined;
  if (path && !file) throw new InputError(`${name}@${v.version} has no file ${path}`, 'not_found');
  const text = file && file.bytes.length <= SHOW_MAX ? textOf(file.bytes) : null;
  const href = (p: string) => packageUrl(s.pkg.name, `/files?v=${encodeURIComponent(v.version)}&path=${encodeURIComponent(p)}`);
  return page(
    c,
    <Page title={`${file ? `${file.path} – ` : 'Files – '}${s.pkg.name}@${v.version}`} actor={c.get('actor')} csrf={c.get('session')?.csrf}>
      <PackageHeader s={s} v={v} />
      <p>
        <a href={packageUrl(s.pkg.name, `?v=${encodeURIComponent(v.version)}`)}>Back to the package</a>
      </p>
      <div class="files-layout">
        <nav aria-labelledby="files-h">
          <h2 id="files-h">Files in the tarball</h2>
          <ul class="files">
            {files.map((f) => (
              <li>
                <a href={href(f.path)} aria-current={f.path === path ? 'page' : undefined}>
                  {f.path}
                </a>{' '}
                <span class="meta">{f.bytes.length.toLocaleString('en')} B</span>
              </li>
            ))}
          </ul>
        </nav>
        {file ? (
          <section aria-labelledby="file-h" class="file-view">
            <h2 id="file-h">
              <code>{file.path}</code>
            </h2>
            {text !== null ? (
              <pre class="source" tabindex={0}>
                <code>{text}</code>
              </pre>
            ) : (
              <p>{file.bytes.length > SHOW_MAX ? `This file is ${file.bytes.length} bytes, too large to show here.` : 'This file is binary.'}</p>
            )}
          </section>
        ) : (
          <p>Choose a file to read its source.</p>
        )}
      </div>
    </Page>,
  );
}
