import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'user', description: 'registry users (admins); passwords are read from stdin or the terminal' },
  args: {
    ...commonArgs,
    op: {
      type: 'positional',
      required: false,
      valueHint: 'add NAME | rm NAME | ls | passwd [NAME]',
      description: 'add a user, remove one (and their tokens), list them, or set a password (yours by default)',
    },
    admin: { type: 'boolean', description: 'user add: make them a registry admin' },
    password: { type: 'boolean', description: 'user add: give them a password (read from stdin)' },
    current: { type: 'boolean', description: 'user passwd: also read your current password (after the new one)' },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { userCommand } = await import('../accounts.js');
    emitOutput(args, await userCommand(settings, args._, args));
  },
});
