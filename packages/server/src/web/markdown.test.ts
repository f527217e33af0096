import { describe, expect, it } from 'vitest';
import { renderReadme } from './markdown.js';

describe('renderReadme', () => {
  it('renders Markdown', () => {
    const html = renderReadme('# Title\n\nSome **bold** text and `code`.\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(html).toContain('<h3>Title</h3>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<table>');
    const checkbox = /<input[^>]*>/.exec(html)![0];
    expect(checkbox).toContain('type="checkbox"');
    expect(checkbox).toContain('disabled');
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>', /<script/i],
    ['an event handler', '<img src="x" onerror="alert(1)">', /onerror/i],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a>', /javascript:/i],
    ['a Markdown javascript: link', '[x](javascript:alert(1))', /javascript:/i],
    ['an entity-encoded javascript: link', '<a href="jav&#x61;script&colon;alert(1)">x</a>', /href="[^"]*script/i],
    ['svg with script', '<svg><script>alert(1)</script></svg>', /<svg|<script/i],
    ['svg onload', '<svg onload="alert(1)"></svg>', /<svg|onload/i],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', /<iframe/i],
    ['a style element', '<style>body{display:none}</style>', /<style/i],
    ['a style attribute', '<p style="background:url(https://evil.example/x)">x</p>', /style=/i],
    ['a form', '<form action="https://evil.example"><button>go</button></form>', /<form|<button/i],
    ['an image from another host', '![x](https://evil.example/pixel.png)', /evil\.example/],
    ['a protocol-relative image', '<img src="//evil.example/pixel.png">', /evil\.example/],
    ['a text input', '<input type="text" value="x">', /<input/i],
  ])('drops %s', (_label, markdown, forbidden) => {
    expect(renderReadme(markdown)).not.toMatch(forbidden);
  });

  it('keeps https links, marked as nofollow', () => {
    expect(renderReadme('[docs](https://example.com/docs)')).toBe('<p><a href="https://example.com/docs" rel="nofollow noopener noreferrer">docs</a></p>\n');
  });
});
