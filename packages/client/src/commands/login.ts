import { defineCommand } from 'citty';
import { commonArgs, emit } from '../command-kit.js';

export default defineCommand({
  meta: {
    name: 'login',
    description: 'check a token, or sign in with a password (read from stdin or the terminal), and save it to ~/.config/unjucks/config.json (mode 0600)',
  },
  args: {
    ...commonArgs,
    token: { type: 'string', valueHint: 'T', description: 'the token to check and save' },
    username: { type: 'string', valueHint: 'NAME', description: 'sign in with a password instead; the registry mints a token' },
    actions: { type: 'string', valueHint: 'LIST', description: 'with --username: the actions of the minted token (default: all you may hold)' },
    packages: { type: 'string', valueHint: 'LIST', description: 'with --username: the package patterns the minted token is limited to' },
    expires: { type: 'string', valueHint: '30d', description: 'with --username: when the minted token expires' },
  },
  async run({ args }) {
    const { login } = await import('../login.js');
    const r = await login(args);
    emit(args, r, () =>
      console.log(`logged in to ${r.registry} as ${r.username}${r.admin ? ' (registry admin)' : ''} with ${r.actions.join(', ')}; saved to ${r.config}`),
    );
  },
});
