import { defineCommand } from 'citty';
import { cacheArgs, commonArgs, dirArg, emit, printNotes } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: {
    name: 'update',
    description: 'newer versions within the recorded ranges (or a new range), merging your local edits three ways; conflicts get markers and exit 1',
  },
  args: {
    ...commonArgs,
    names: { type: 'positional', required: false, valueHint: 'name[@spec]...', description: 'the packages to update (default: all)' },
    ...dirArg,
    'dry-run': { type: 'boolean', description: 'show what would change; write nothing' },
    'allow-scripts': { type: 'boolean', description: 'allow packages that can run code on this machine' },
    ...cacheArgs,
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const [{ update }, { networkMode, PackageSource }, { parsePackageArg }] = await Promise.all([
      import('../update.js'),
      import('../source.js'),
      import('../spec.js'),
    ]);
    const src = new PackageSource(settings, networkMode(args));
    const r = await update(src, args._.map(parsePackageArg), {
      dir: args.dir ?? '.',
      allowScripts: !!args['allow-scripts'],
      dryRun: !!args['dry-run'],
    }).finally(() => printNotes(src));
    emit(args, r, () => {
      if (!r.packages.length) console.log('everything is up to date within the recorded ranges');
      for (const p of r.packages) {
        console.log(`${r.dryRun ? 'would update' : 'updated'} ${p.name}: ${p.from ?? '(new)'} → ${p.to ?? '(removed)'}`);
        for (const f of p.files) console.log(`  ${f.action.padEnd(8)} ${f.rel}${f.action === 'keep' ? ' (changed locally; kept)' : ''}`);
      }
    });
    if (r.conflicts.length) {
      console.error(
        `unjucks: ${r.conflicts.length} file(s) have conflicts:\n${r.conflicts.map((c) => `  ${c}`).join('\n')}\nresolve the <<<<<<< markers, then run unjucks update again; unjucks-lock.json was not changed`,
      );
      process.exitCode = 1;
    }
  },
});
