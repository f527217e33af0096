import { spawn } from 'node:child_process';
import { CLIENT_BIN, SERVER_BIN } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Written to the process's stdin (passwords); stdin is closed otherwise. */
  input?: string;
}

/**
 * Runs a command with exactly the environment given, collecting its output. With `timeoutMs`, a
 * process still running then is killed and the result says so in stderr (code -1).
 */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { env: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) proc.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stderr += `\n[killed after ${opts.timeoutMs} ms: ${cmd} ${args.join(' ')}]`;
          proc.kill('SIGKILL');
        }, opts.timeoutMs)
      : null;
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

// An empty HOME made for this run by test/global-setup.ts, unless a test gives one: the machine's
// saved login (~/.config/unjucks) and download cache are not the tests' to read or write.
const emptyHome = () => {
  const home = process.env.UNJUCKS_TEST_HOME;
  if (!home) throw new Error('UNJUCKS_TEST_HOME is not set: run the tests through vitest (test/global-setup.ts makes it)');
  return home;
};

function run(bin: string, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  // A clean environment: no token or registry leaks in from the developer's shell.
  const env = { PATH: process.env.PATH!, HOME: emptyHome(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env };
  return runCommand(process.execPath, [bin, ...args], { ...opts, env });
}

/** Runs the real `unjucks` binary. */
export const unjucks = (args: string[], opts?: RunOptions) => run(CLIENT_BIN, args, opts);

/** Runs the real `unjucks-registry` binary. */
export const unjucksRegistry = (args: string[], opts?: RunOptions) => run(SERVER_BIN, args, opts);
