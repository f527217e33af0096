import { parseDocument, visit } from 'yaml';
import type { Findings } from './findings.js';

export const MAX_FRONTMATTER_BYTES = 64 * 1024;
const MAX_ALIASES = 20;

export interface Frontmatter {
  data: Record<string, unknown>;
  /** The frontmatter's raw `key: value` lines, to find where a key sits. */
  keyLines: Map<string, number>;
  /** Line (1-based) where the body starts. */
  bodyLine: number;
  body: string;
}

// Hygen supports `!!js/regexp` in before:/after: (front-matter loads with js-yaml's full schema).
// Kept as its source text: a package's regular expression never runs on the JavaScript engine here.
const JS_REGEXP = { tag: 'tag:yaml.org,2002:js/regexp', resolve: (source: string) => source };

/**
 * Splits and parses frontmatter with YAML's core schema: no custom tags but `!!js/regexp`, capped
 * aliases and size. Returns null (with findings) when the frontmatter is refused; a file with no
 * frontmatter has empty data.
 *
 * The split follows the tools (see DISCOVERY.md): a leading BOM is skipped (front-matter allows it);
 * the block opens with a line that is only `---` (or front-matter's `= yaml =`) and closes at the
 * next `---` or `...` line; an opening that is never closed is no frontmatter at all, so a YAML
 * file that starts with a document marker is a body, as both tools read it.
 */
export function parseFrontmatter(file: string, input: string, findings: Findings): Frontmatter | null {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const none = { data: {}, keyLines: new Map(), bodyLine: 1, body: text };
  const fence = /^(---|= yaml =)([A-Za-z]*)[ \t]*\r?\n/.exec(text);
  if (!fence) return none;
  if (fence[2]) {
    findings.add('frontmatter/js-fence', `frontmatter fenced as ---${fence[2]} would be run as code by some tools`, { file, line: 1, column: 1 });
    return null;
  }
  const rest = text.slice(fence[0].length);
  const closer = fence[1] === '---' ? '---' : '= yaml =';
  const close = new RegExp(`(^|\\r?\\n)(?:${closer}|\\.\\.\\.)[ \\t]*(\\r?\\n|$)`).exec(rest);
  if (!close) return none;
  const yamlText = rest.slice(0, close.index);
  if (Buffer.byteLength(yamlText) > MAX_FRONTMATTER_BYTES) {
    findings.add('frontmatter/too-large', `the frontmatter is larger than ${MAX_FRONTMATTER_BYTES} bytes`, { file, line: 1, column: 1 });
    return null;
  }
  const yamlLines = yamlText.split(/\r?\n/);
  const bodyLine = 2 + (yamlText === '' ? 0 : yamlLines.length) + 1 - (close[1] ? 0 : 1);
  const body = rest.slice(close.index + close[0].length);

  const keyLines = new Map<string, number>();
  let refused = false;
  yamlLines.forEach((line, i) => {
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) return;
    keyLines.set(m[1]!, i + 2);
    if (/^\{[{%]/.test(m[2]!)) {
      findings.add('frontmatter/unquoted-expression', `the value of ${m[1]} starts with ${m[2]!.slice(0, 2)} unquoted`, {
        file,
        line: i + 2,
        column: line.indexOf(m[2]!) + 1,
      });
      refused = true;
    }
  });
  if (refused) return null;

  const doc = parseDocument(yamlText, { schema: 'core', customTags: [JS_REGEXP], uniqueKeys: true, prettyErrors: false, strict: true });
  let aliases = 0;
  visit(doc, {
    Alias() {
      aliases++;
    },
  });
  const tagged = doc.warnings.find((w) => /tag/i.test(w.message)) ?? doc.errors.find((w) => /tag/i.test(w.message));
  if (tagged) {
    findings.add('frontmatter/custom-tag', `frontmatter uses a YAML tag: ${tagged.message.split('\n')[0]}`, {
      file,
      line: (tagged.linePos?.[0]?.line ?? 0) + 1,
      column: tagged.linePos?.[0]?.col,
    });
    return null;
  }
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    findings.add('frontmatter/yaml', `frontmatter is not valid YAML: ${err.message.split('\n')[0]}`, {
      file,
      line: (err.linePos?.[0]?.line ?? 0) + 1,
      column: err.linePos?.[0]?.col,
    });
    return null;
  }
  if (aliases > MAX_ALIASES) {
    findings.add('frontmatter/alias-bomb', `frontmatter uses ${aliases} YAML aliases (at most ${MAX_ALIASES})`, { file, line: 2, column: 1 });
    return null;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    findings.add('frontmatter/alias-bomb', `frontmatter expands too far: ${(e as Error).message}`, { file, line: 2, column: 1 });
    return null;
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    findings.add('frontmatter/yaml', 'frontmatter must be a YAML mapping of keys to values', { file, line: 2, column: 1 });
    return null;
  }
  return { data: data as Record<string, unknown>, keyLines, bodyLine, body };
}
