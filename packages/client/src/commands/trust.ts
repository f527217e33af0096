import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'trust', description: 'CI jobs that may publish a package with their OIDC ID token, no stored secret (owners)' },
  args: {
    ...commonArgs,
    op: { type: 'positional', required: false, valueHint: 'add | ls | rm', description: 'what to do: add <package>, ls <package>, rm <package> <id>' },
    issuer: { type: 'string', valueHint: 'github|gitlab|URL', description: 'trust add: the CI identity provider' },
    repository: { type: 'string', valueHint: 'OWNER/REPO', description: 'trust add: the repository whose jobs may publish' },
    'owner-id': { type: 'string', valueHint: 'ID', description: "trust add: the repository owner's numeric id (survives renames)" },
    workflow: { type: 'string', valueHint: 'FILE[@REF]', description: 'trust add: the workflow file (GitHub) or CI config path/ref (GitLab)' },
    environment: { type: 'string', valueHint: 'NAME', description: 'trust add: only jobs running in this deployment environment' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { trustCommand } = await import('../trust.js');
    emitOutput(args, await trustCommand(settings, args._, args));
  },
});
