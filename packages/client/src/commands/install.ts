import { defineCommand } from 'citty';
import { cacheArgs, commonArgs, dirArg, emit, printNotes } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: {
    name: 'install',
    description:
      'install packages and the template packages they depend on; with no names, what unjucks-lock.json (or package.json unjucks.dependencies) asks for. Packages that can run code (shell, hooks, template-code, autorun) need --allow-scripts',
  },
  args: {
    ...commonArgs,
    names: { type: 'positional', required: false, valueHint: 'name[@spec]...', description: 'the packages to install (default: those of the lock)' },
    ...dirArg,
    force: { type: 'boolean', description: 'overwrite files of another package or changed locally' },
    'allow-scripts': { type: 'boolean', description: 'allow packages that can run code on this machine' },
    'frozen-lockfile': { type: 'boolean', description: 'exactly the lock, without asking the registry; fail when it does not match (CI)' },
    ...cacheArgs,
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const [{ install, formatInstalled, formatRemoved }, { networkMode, PackageSource }, { parsePackageArg }] = await Promise.all([
      import('../install.js'),
      import('../source.js'),
      import('../spec.js'),
    ]);
    const src = new PackageSource(settings, networkMode(args));
    const r = await install(src, args._.map(parsePackageArg), {
      dir: args.dir ?? '.',
      force: !!args.force,
      allowScripts: !!args['allow-scripts'],
      frozen: !!args['frozen-lockfile'],
    }).finally(() => printNotes(src));
    emit(args, r.dropped.length ? r : r.installed.length === 1 ? r.installed[0] : r.installed, () => {
      r.installed.forEach((p) => console.log(formatInstalled(p)));
      r.dropped.forEach((p) => console.log(formatRemoved(p)));
    });
  },
});
