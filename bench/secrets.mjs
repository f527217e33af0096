#!/usr/bin/env node
// Secret scanning time on 1 MB inputs: text with no secrets, random printable noise, the same
// noise with secrets sprinkled in, and inputs shaped to make careless regular expressions
// backtrack. The rules must stay roughly linear: every case should take tens of milliseconds.
//   pnpm -s build && node bench/secrets.mjs
import { Findings } from '../packages/validate/dist/findings.js';
import { scanSecrets } from '../packages/validate/dist/secrets.js';

const MB = 1024 * 1024;
const noise = () => Array.from({ length: MB }, () => String.fromCharCode(32 + Math.floor(Math.random() * 95))).join('');
const cases = {
  'plain text': 'export const Component = () => null;\n'.repeat(Math.ceil(MB / 37)),
  'random printable': noise(),
  'noise with 100 secrets': (() => {
    const n = noise();
    const parts = [];
    for (let i = 0; i < 100; i++) parts.push(n.slice(i * 10000, (i + 1) * 10000), ` xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx `);
    return parts.join('');
  })(),
  'a run of one letter': 'a'.repeat(MB),
  'repeated key=': 'password='.repeat(MB / 9),
  'repeated scheme': 'https://a:'.repeat(MB / 10),
  'repeated sk-': 'sk-'.repeat(MB / 3),
  'repeated -----BEGIN': '-----BEGIN '.repeat(MB / 11),
  'repeated mongodb://': 'mongodb://u:'.repeat(MB / 12),
};
for (const [label, text] of Object.entries(cases)) {
  const times = [];
  let found = 0;
  for (let i = 0; i < 5; i++) {
    const f = new Findings();
    const t0 = performance.now();
    scanSecrets('bench.txt', text, f);
    times.push(performance.now() - t0);
    found = f.list.length;
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(24)} ${(text.length / MB).toFixed(2)} MB  median ${times[2].toFixed(0)} ms  max ${times[4].toFixed(0)} ms  findings ${found}`);
}
