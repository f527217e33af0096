import { defineCommand } from 'citty';
import { commonArgs, emitOutput } from '../command-kit.js';
import { resolveSettings } from '../config.js';

export default defineCommand({
  meta: { name: 'token', description: 'access tokens: create one (shown once), list them, revoke one' },
  args: {
    ...commonArgs,
    op: { type: 'positional', required: false, valueHint: 'create | list | revoke ID', description: 'what to do (ls is list)' },
    name: { type: 'string', valueHint: 'LABEL', description: 'token create: a label to recognise it by' },
    actions: { type: 'string', valueHint: 'LIST', description: 'token create: the actions it may use, such as read,publish:update' },
    packages: { type: 'string', valueHint: 'LIST', description: 'token create: the package patterns it is limited to, such as @acme/*' },
    expires: { type: 'string', valueHint: '30d', description: 'token create: when it expires' },
    cidr: { type: 'string', valueHint: 'LIST', description: 'token create: the networks it may be used from, such as 10.0.0.0/8' },
    user: { type: 'string', valueHint: 'U', description: "token list: a user's tokens" },
    org: { type: 'string', valueHint: 'O', description: "token list: the tokens of an org's members" },
  },
  async run({ args }) {
    const settings = await resolveSettings(args);
    const { tokenCommand } = await import('../accounts.js');
    emitOutput(args, await tokenCommand(settings, args._, args));
  },
});
