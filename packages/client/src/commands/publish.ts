import { defineCommand } from 'citty';
import { commonArgs, emit } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'publish', description: 'validate, pack and publish a template package' },
  args: {
    ...commonArgs,
    dir: { type: 'positional', required: false, description: 'the package directory (default .)' },
    tag: { type: 'string', valueHint: 'T', description: 'the dist-tag to point at this version (default latest)' },
    'dry-run': { type: 'boolean', description: 'pack and list the files; send nothing' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { publishCommand } = await import('../publish.js');
    const r = await publishCommand(settings, { dir: args.dir ?? '.', tag: args.tag, dryRun: !!args['dry-run'] });
    emit(args, r, () => {
      if (r.dryRun) {
        console.log(
          `${r.name}@${r.version} would be published (dry run): ${r.files.length} files, ${r.size} bytes, ${r.warnings} warning(s), quality ${r.quality}/100`,
        );
        for (const f of r.files) console.log(`  ${f}`);
        console.log(`integrity: ${r.integrity}`);
      } else {
        console.log(`${r.alreadyPublished ? 'already published' : 'published'} ${r.name}@${r.version}`);
        if (r.status === 'staged')
          console.log(
            `staged: not installable until ${r.requiredApprovals ?? 'enough'} maintainer(s) other than you approve it (unjucks approve ${r.name}@${r.version})`,
          );
        console.log(`integrity: ${r.integrity}`);
        if (r.warnings) console.log(`${r.warnings} warning(s); run unjucks validate to see them`);
      }
    });
  },
});
