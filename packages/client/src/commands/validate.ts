import { defineCommand } from 'citty';
import { commonArgs, emit } from '../command-kit.js';

export default defineCommand({
  meta: { name: 'validate', description: "run the registry's publish checks on a package directory; exits 1 on errors" },
  args: { ...commonArgs, dir: { type: 'positional', required: false, valueHint: 'dir', description: 'the package directory (default .)' } },
  async run({ args }) {
    const [{ validateCommand }, { formatReport }] = await Promise.all([import('../validate.js'), import('@unjucks/validate')]);
    const r = await validateCommand(args.dir ?? '.');
    emit(args, r, () => console.log(`${r.name}@${r.version}\n${formatReport(r)}`));
    if (!r.ok) process.exitCode = 1;
  },
});
