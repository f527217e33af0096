import { generatorsOf, InputError } from '@unjucks/core';
import type { WebCtx } from '../env.js';
import { packageUrl, Page, WEB, page } from '../layout.js';
import { chosenVersion, textOf, versionFiles, viewablePackage } from '../package-data.js';
import { PackageHeader } from './package.js';
import { previewPageCsp } from '../security.js';

const engineOf = (path: string, engines: string[]) =>
  /\.ejs(\.t)?$/.test(path) ? 'ejs' : /\.njk$/.test(path) ? 'nunjucks' : engines.includes('ejs') && !engines.includes('nunjucks') ? 'ejs' : 'nunjucks';

/**
 * The preview form: values go to a sandboxed frame that renders the template in the browser.
 * The server only hands out the template's source, exactly as the file browser does.
 */
export async function previewPage(c: WebCtx, name: string) {
  const registry = c.get('registry');
  const s = await viewablePackage(registry, c.get('actor'), name);
  const v = chosenVersion(s, c.req.query('v'));
  const id = c.req.query('t') ?? '';
  const cut = id.lastIndexOf('/');
  const generators = generatorsOf(v.manifest, v.report?.templates);
  const g = generators.find((x) => x.name === id.slice(0, cut));
  const t = g?.templates.find((x) => x.name === id.slice(cut + 1));
  if (!g || !t) throw new InputError(`${name}@${v.version} has no template ${id}`, 'not_found');
  const all = await versionFiles(registry, v);
  const sources = t.files.flatMap((p) => {
    const f = all.find((x) => x.path === p);
    const text = f ? textOf(f.bytes) : null;
    return text === null ? [] : [{ path: p, text, engine: engineOf(p, t.engines) }];
  });
  c.header('Content-Security-Policy', previewPageCsp(c));
  return page(
    c,
    <Page title={`Preview ${g.name}/${t.name} – ${s.pkg.name}`} actor={c.get('actor')} csrf={c.get('session')?.csrf} scripts={['preview.js']}>
      <PackageHeader s={s} v={v} />
      <p>
        <a href={packageUrl(s.pkg.name, `?v=${encodeURIComponent(v.version)}`)}>Back to the package</a>
      </p>
      <h2>
        Preview <code>{`${g.name}/${t.name}`}</code>
      </h2>
      <p class="help">The files render in your browser, inside a sandboxed frame with no network and no access to this site. Nothing is sent to the server.</p>
      <form id="preview-form" class="stack">
        {t.variables.map((x) => {
          const fid = `var-${x.name}`;
          const type = x.type?.split('|')[0];
          const dflt = x.default === undefined ? '' : typeof x.default === 'string' ? x.default : JSON.stringify(x.default);
          return (
            <div class="field">
              {type === 'boolean' ? (
                <>
                  <input type="checkbox" id={fid} name={x.name} data-type="boolean" checked={x.default === true} />{' '}
                  <label for={fid}>
                    <code>{x.name}</code> {x.description ?? ''}
                  </label>
                </>
              ) : (
                <>
                  <label for={fid}>
                    <code>{x.name}</code> {x.required ? <span class="meta">(required)</span> : null} {x.description ?? ''}
                  </label>
                  <input
                    id={fid}
                    name={x.name}
                    type={type === 'number' || type === 'integer' ? 'number' : 'text'}
                    data-type={type ?? 'string'}
                    value={dflt}
                    required={!!x.required}
                  />
                </>
              )}
            </div>
          );
        })}
        <button type="submit">Render</button>
      </form>
      <div hidden id="preview-sources">
        {sources.map((src) => (
          <pre data-path={src.path} data-engine={src.engine}>
            {src.text}
          </pre>
        ))}
      </div>
      <iframe
        id="preview-frame"
        title="Rendered files"
        src={`${WEB}/preview-frame`}
        sandbox="allow-scripts"
        referrerpolicy="no-referrer"
        class="preview-frame"
      ></iframe>
    </Page>,
  );
}

/** The frame document: the engines and the renderer, under FRAME_CSP (see security.ts). */
export function previewFrame(assets: { css: string; scripts: string[] }) {
  return (
    '<!doctype html>' +
    (
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Rendered files</title>
          <link rel="stylesheet" href={assets.css} />
          {assets.scripts.map((s) => (
            <script src={s} defer></script>
          ))}
        </head>
        <body>
          <main id="out">
            <p>Fill in the form and choose Render.</p>
          </main>
        </body>
      </html>
    ).toString()
  );
}
