import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'audit', description: 'the audit log, newest first' },
  args: {
    ...commonArgs,
    actor: { type: 'string', valueHint: 'U', description: 'only what this user did' },
    action: { type: 'string', valueHint: 'A', description: 'only this action' },
    target: { type: 'string', valueHint: 'T', description: 'only on this target' },
    org: { type: 'string', valueHint: 'O', description: "only within this org's scope" },
    outcome: { type: 'string', valueHint: 'ok|denied|failed', description: 'only this outcome' },
    since: { type: 'string', valueHint: 'D', description: 'from this time' },
    until: { type: 'string', valueHint: 'D', description: 'up to this time' },
    limit: { type: 'string', valueHint: 'N', description: 'at most this many records' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { auditCommand } = await import('../accounts.js');
    emitOutput(args, await auditCommand(settings, args));
  },
});
