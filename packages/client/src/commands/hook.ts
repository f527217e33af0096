import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'hook', description: 'webhooks: tell another system (chat, CI) what changed in an org, a package or a name pattern (owners)' },
  args: {
    ...commonArgs,
    op: {
      type: 'positional',
      required: false,
      valueHint: 'add <@org | package | pattern*> <url> | ls | rm ID | test ID | deliveries ID | redeliver ID DELIVERY',
      description: 'what to do',
    },
    events: { type: 'string', valueHint: 'LIST', description: 'hook add: the event types to send (default: every event the target carries)' },
    format: { type: 'string', valueHint: 'json|slack', description: "hook add: json (signed event) or slack (an incoming webhook's { text })" },
    org: { type: 'string', valueHint: 'O', description: "hook ls: an org's hooks" },
    package: { type: 'string', valueHint: 'P', description: "hook ls: a package's hooks" },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { hookCommand } = await import('../hook.js');
    emitOutput(args, await hookCommand(settings, args._, args));
  },
});
