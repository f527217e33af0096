import { defineCommand } from 'citty';
import { cacheArgs, commonArgs, dirArg, emit, printNotes } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'outdated', description: 'installed, wanted (newest in range) and latest versions; exits 1 if any package is behind' },
  args: { ...commonArgs, ...dirArg, ...cacheArgs },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const [{ outdated, formatOutdated }, { networkMode, PackageSource }] = await Promise.all([import('../outdated.js'), import('../source.js')]);
    const src = new PackageSource(settings, networkMode(args));
    const rows = await outdated(src, { dir: args.dir ?? '.' }).finally(() => printNotes(src));
    emit(args, Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest])), () => console.log(formatOutdated(rows)));
    if (rows.length) process.exitCode = 1;
  },
});
