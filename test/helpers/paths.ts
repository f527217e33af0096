import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_BIN = `${ROOT}packages/server/dist/cli.js`;
export const CLIENT_BIN = `${ROOT}packages/client/dist/cli.js`;
