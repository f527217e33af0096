import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

// marked turns Markdown into HTML and passes raw HTML through, as Markdown allows; sanitize-html
// then keeps only an allow-list (no scripts, styles, event handlers, forms, frames or SVG), so
// what a package author writes can never run in the registry's pages. Both are well kept and
// widely used; a hand-written filter would be the weakest part of the page.
const marked = new Marked({ gfm: true, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'kbd',
    'samp',
    'em',
    'strong',
    'b',
    'i',
    's',
    'del',
    'ins',
    'sub',
    'sup',
    'mark',
    'small',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'details',
    'summary',
    'input',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    code: ['class'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['https', 'http', 'mailto'],
  // Images only from the registry itself or data: URLs: a README must not make readers' browsers
  // call out to other hosts (the page's CSP says the same).
  allowedSchemesByTag: { img: ['data'] },
  allowProtocolRelative: false,
  // Only task-list checkboxes survive as inputs, and disabled.
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } }),
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
    // Headings inside a README sit below the page's own h1/h2.
    h1: 'h3',
    h2: 'h4',
    h3: 'h5',
    h4: 'h6',
    h5: 'h6',
  },
};

/** A README (Markdown, possibly with raw HTML) as HTML that is safe to put in a page. */
export function renderReadme(markdown: string): string {
  const html = marked.parse(markdown) as string;
  return sanitizeHtml(html, SANITIZE);
}
