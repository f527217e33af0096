import { describe, expect, it } from 'vitest';
import { analyzeEjs, ejsPieces, foldEjsTemplate } from './ejs.js';
import { Findings } from './findings.js';
import { INPUT_MARK, judgeKey, possiblePaths } from './fold.js';

const analyze = (source: string, bodyLine = 1) => {
  const findings = new Findings();
  const use = analyzeEjs('t.ejs.t', source, findings, {}, (line, column) => ({ line: bodyLine + line - 1, column }));
  return { findings: findings.list, use };
};

describe('EJS analysis', () => {
  it('splits a template as EJS does: literal <%%, comments, whitespace-slurping tags', () => {
    const { pieces } = ejsPieces('a <%% b %> <%# note %><%_ if (x) { _%>c<%- y -%><% } %>');
    expect(pieces.map((p) => `${p.kind}:${p.text.trim()}`)).toEqual(['text:a <%% b %>', 'code:if (x) {', 'text:c', 'output:y', 'code:}']);
  });

  it('reports an escape at its line and column in the file', () => {
    const { findings } = analyze('line one\n  <%= name %>\n    <%= h.capitalize(process.env.HOME) %>\n', 5);
    expect(findings).toEqual([expect.objectContaining({ rule: 'ejs/unsafe-global', line: 7, column: 22 })]);
  });

  it('reads scriptlets together as one function body', () => {
    const { findings, use } = analyze('<% items.forEach(function (item) { %><%= item.name %><% }) %>');
    expect(findings).toEqual([]);
    expect([...use.variables]).toEqual(['items']);
    expect(use.unproven).toEqual([]);
  });

  it('says why code needs the template-code capability', () => {
    expect(analyze('<%= a[b] %>\n<%= setTimeout(f) %>').use.unproven).toEqual([
      't.ejs.t:1: looks up a member with a computed key',
      't.ejs.t:2: calls setTimeout()',
      't.ejs.t:2: uses the global "setTimeout"',
    ]);
  });

  it('folds a to: value into the paths it can render', () => {
    const paths = (v: string, d = {}) => possiblePaths(foldEjsTemplate(v, d)!.values);
    expect(paths('src/<%= name %>.js')).toEqual(['src/x.js']);
    expect(paths("<%= flag ? '../up' : 'down' %>/x")).toEqual(['../up/x', 'down/x']);
    expect(paths("<%= h.path.join('a', '..', '..', name) %>")).toEqual(['../x']);
    expect(paths('<%= dir %>/x', { dir: '/etc' })).toEqual(['/etc/x', 'x/x']);
    expect(paths('<% if (a) { %>..<% } %>/x')).toBeNull();
  });
});

describe('computed keys', () => {
  it('are safe when they cannot spell a dangerous name, and dangerous when they fold to one', () => {
    expect(judgeKey([0, 1])).toEqual({ kind: 'safe' });
    expect(judgeKey([`item_${INPUT_MARK}`])).toEqual({ kind: 'safe' });
    expect(judgeKey([`con${INPUT_MARK}tor`])).toEqual({ kind: 'unknown' });
    expect(judgeKey([INPUT_MARK])).toEqual({ kind: 'unknown' });
    expect(judgeKey(['title', '__proto__'])).toEqual({ kind: 'dangerous', name: '__proto__' });
  });
});
