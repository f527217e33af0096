import { defineCommand } from 'citty';
import { cacheArgs, commonArgs, dirArg, emit } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'list', alias: 'ls', description: 'installed packages with their generators and templates' },
  args: { ...commonArgs, ...dirArg, ...cacheArgs },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const [{ list, formatList }, { PackageSource }] = await Promise.all([import('../list.js'), import('../source.js')]);
    // Versions never change, so a cached document answers as well as a fresh one.
    const r = await list(new PackageSource(settings, args.offline ? 'offline' : 'prefer-offline'), { dir: args.dir ?? '.' });
    emit(args, r, () => console.log(formatList(r)));
  },
});
