import { createInterface } from 'node:readline';
import { CliError } from './errors.js';

let stdinLines: Promise<string[]> | null = null;

/** Lines piped on stdin (read once): passwords never go on the command line, where others can see them. */
async function pipedLines(): Promise<string[]> {
  stdinLines ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  })();
  return stdinLines;
}

/**
 * A secret: line `index` of piped stdin, or asked for at the terminal without echo.
 */
export async function readSecret(question: string, index = 0): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = (await pipedLines())[index] ?? '';
    if (!line) throw new CliError(`${question.replace(/:\s*$/, '')}: expected on line ${index + 1} of stdin`);
    return line;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let asked = false;
  out._writeToOutput = (s: string) => {
    // Echo the question once, then nothing of what is typed.
    if (!asked) {
      out.output.write(s);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

export async function readLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/[:?]\s*$/, '')}: pass it as an option (stdin is not a terminal)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}
