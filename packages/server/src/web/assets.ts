import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** packages/server/static/web, the same from src/web and dist/web. */
const OWN = fileURLToPath(new URL('../../static/web/', import.meta.url));

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml; charset=utf-8',
};

/**
 * Scripts and styles are files the app serves (the pages' CSP allows no inline code). The
 * template engines for the preview come from their packages' own browser builds.
 */
const SOURCES: Record<string, string> = {
  'web.css': `${OWN}web.css`,
  'favicon.svg': `${OWN}favicon.svg`,
  'search.js': `${OWN}search.js`,
  'copy.js': `${OWN}copy.js`,
  'preview.js': `${OWN}preview.js`,
  'preview-frame.js': `${OWN}preview-frame.js`,
  'preview-frame.css': `${OWN}preview-frame.css`,
  'nunjucks.min.js': require.resolve('nunjucks/browser/nunjucks.min.js'),
  // ejs exports its browser build only under the "browser" condition; the file sits at the package root.
  'ejs.min.js': fileURLToPath(new URL('../../ejs.min.js', `file://${require.resolve('ejs')}`)),
};

let loaded: Map<string, Asset> | null = null;

export function asset(name: string): Asset | undefined {
  if (!loaded) {
    loaded = new Map();
    for (const [file, path] of Object.entries(SOURCES)) {
      const body = readFileSync(path);
      loaded.set(file, { body, type: TYPES[file.slice(file.lastIndexOf('.') + 1)]!, etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
    }
  }
  return loaded.get(name);
}

/** `?v=` on asset URLs changes whenever the file does, so they can be cached for good. */
export const assetUrl = (name: string) => `/-/web/static/${name}?v=${asset(name)!.etag.slice(1, 9)}`;
