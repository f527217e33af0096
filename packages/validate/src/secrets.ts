/**
 * Secrets, found with secretlint's maintained recommended rule set (AWS, GitHub, GitLab, Slack,
 * Stripe, OpenAI, Anthropic, npm, private keys, connection strings, ...) plus the few kinds it
 * lacks (Google API keys, this registry's own tokens). The rules are driven here directly and
 * synchronously: each rule is a pure scanner over a string (`create(context).file(source)`), so the
 * validator stays synchronous and never touches the disk. Matches are always redacted.
 */
import { rules as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Findings, RuleId } from './findings.js';

const OWN_PATTERNS: [RuleId, RegExp, string][] = [
  ['secret/aws-access-key', /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g, 'an AWS access key'],
  ['secret/github-token', /\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_\w{82})\b/g, 'a GitHub token'],
  ['secret/npm-token', /\bnpm_[A-Za-z0-9]{36}\b/g, 'an npm token'],
  ['secret/private-key', /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g, 'a private key'],
  ['secret/registry-token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, 'an Unjucks registry token'],
  // Not in the recommended preset: the documented shape of a Google API key.
  ['secret/credential', /\bAIza[0-9A-Za-z_-]{35}\b/g, 'a Google API key'],
];

// secretlint rule (short id) → this registry's rule id; the rest are `secret/credential`.
const RULE_OF: Record<string, RuleId> = {
  aws: 'secret/aws-access-key',
  github: 'secret/github-token',
  npm: 'secret/npm-token',
  privatekey: 'secret/private-key',
};
// Rules left out: filter-comments honours `secretlint-disable` comments, which would let a package hide its own secrets.
const SKIPPED = new Set(['filter-comments']);

/** Shows enough of a secret to find it, never enough to use it. */
export const redact = (s: string) => `${s.slice(0, 4)}…(${s.length} characters)`;

const isRegistryToken = (jwt: string) => {
  try {
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { typ?: unknown };
    return header.typ === 'unjucks-token+jwt';
  } catch {
    return false;
  }
};

interface Hit {
  rule: RuleId;
  what: string;
  start: number;
  end: number;
  severity?: 'warning';
}

// Credentials in URLs are most often the example defaults of a docker-compose or .env template
// (mongodb://root:example@mongo): worth a warning, not a refusal. So are test-mode keys.
const WARN_RULES = new Set(['basicauth', 'database-connection-string']);
// A run of one character is a placeholder (sk_live_xxxxxxxx, T00000000/XXXXXXXX), not a secret.
const PLACEHOLDER = /(.)\1{7}/;

interface RuleLike {
  meta: { id: string; supportedContentTypes?: string[] };
  create(context: unknown, options: unknown): { file?(source: unknown): unknown };
}

function secretlintHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const rule of recommended as unknown as RuleLike[]) {
    const short = rule.meta.id.replace('@secretlint/secretlint-rule-', '');
    if (SKIPPED.has(short) || !(rule.meta.supportedContentTypes ?? ['text']).includes('text')) continue;
    const context = {
      sharedOptions: {},
      createTranslator: () => (messageId: string) => ({ message: messageId, messageId }),
      report: (d: { message: { messageId: string }; range: [number, number] }) => {
        const id = d.message.messageId;
        if (PLACEHOLDER.test(text.slice(d.range[0], d.range[1]))) return;
        hits.push({
          rule: RULE_OF[short] ?? 'secret/credential',
          what: `a secret (secretlint ${short}: ${id})`,
          start: d.range[0],
          end: d.range[1],
          ...(WARN_RULES.has(short) || /_TEST$/.test(id) ? { severity: 'warning' as const } : {}),
        });
      },
      ignore: () => undefined,
    };
    const handlers = rule.create(context, {});
    // No filePath: rules that would read a file from disk (PKCS#12) return at once.
    const result = handlers.file?.({
      content: text,
      filePath: undefined,
      ext: '',
      contentType: 'text',
      indexToPosition: (i: number) => lineCol(text, i),
      locationToRange: () => [0, 0],
    });
    if (result instanceof Promise) result.catch(() => undefined);
  }
  return hits;
}

function lineCol(text: string, index: number) {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Runs of printable ASCII in binary data (like strings(1)), joined by newlines, so secrets in binary files are found too. */
export function printableStrings(bytes: Buffer, min = 8): string {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? bytes[i]! : 0;
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      if (i - start >= min) out.push(bytes.toString('latin1', start, i));
      start = -1;
    }
  }
  return out.join('\n');
}

const isBinary = (bytes: Buffer) => bytes.includes(0);

/**
 * Reports high-confidence secrets in a file, with the matched text redacted. Binary content is
 * scanned for its printable strings; a NUL byte never switches the scan off.
 */
export function scanSecrets(file: string, content: string | Buffer, findings: Findings) {
  const binary = Buffer.isBuffer(content) && isBinary(content);
  const text = Buffer.isBuffer(content) ? (binary ? printableStrings(content) : content.toString('utf8')) : content;
  const hits: Hit[] = [];
  for (const [rule, re, what] of OWN_PATTERNS)
    for (const m of text.matchAll(re)) {
      if (rule === 'secret/registry-token' && !isRegistryToken(m[0])) continue;
      hits.push({ rule, what, start: m.index!, end: m.index! + m[0].length });
    }
  hits.push(...secretlintHits(text));
  // One finding per place: the preset and the own patterns overlap on AWS, GitHub and npm.
  hits.sort((a, b) => a.start - b.start);
  let lastEnd = -1;
  for (const h of hits) {
    if (h.start < lastEnd) continue;
    lastEnd = h.end;
    const where = binary ? { file } : { file, ...lineCol(text, h.start) };
    findings.add(h.rule, `${file} contains ${h.what}: ${redact(text.slice(h.start, h.end))}`, where, h.severity);
  }
}
