import type { Findings, RuleId } from './findings.js';

const PATTERNS: [RuleId, RegExp, string][] = [
  ['secret/aws-access-key', /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g, 'an AWS access key'],
  ['secret/github-token', /\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_\w{82})\b/g, 'a GitHub token'],
  ['secret/npm-token', /\bnpm_[A-Za-z0-9]{36}\b/g, 'an npm token'],
  ['secret/private-key', /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g, 'a private key'],
  ['secret/registry-token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, 'an Unjucks registry token'],
];

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

/** Reports high-confidence secrets in a text file, with the matched text redacted. */
export function scanSecrets(file: string, text: string, findings: Findings) {
  for (const [rule, re, what] of PATTERNS) {
    for (const m of text.matchAll(re)) {
      if (rule === 'secret/registry-token' && !isRegistryToken(m[0])) continue;
      const before = text.slice(0, m.index);
      const line = before.split('\n').length;
      const column = m.index! - before.lastIndexOf('\n');
      findings.add(rule, `${file} contains ${what}: ${redact(m[0])}`, { file, line, column });
    }
  }
}
