import { encodeName } from '@unjucks/core';
import type { TrustedPublisherListResponse, TrustedPublisherRequest, TrustedPublisherResponse } from '@unjucks/core/api-schemas';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getJson, sendJson } from './http.js';
import type { Output } from './accounts.js';

type Flags = Readonly<Record<string, unknown>>;

export const TRUST_USAGE =
  'unjucks trust add <package> --issuer github|gitlab|URL --repository OWNER/REPO --owner-id ID --workflow release.yml [--environment NAME] | trust ls <package> | trust rm <package> <id>';

const str = (f: Flags, k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
const base = (s: Settings, name: string) => `${s.registry}/api/v1/packages/${encodeName(name)}/trusted-publishers`;

const describe = (p: TrustedPublisherResponse) =>
  `${p.id}  ${p.issuer}  ${p.repository} (owner id ${p.repositoryOwnerId})  workflow ${p.workflow}${p.environment ? `  environment ${p.environment}` : ''}`;

/** `unjucks trust add|ls|rm`: the CI jobs a package's owners trust to publish it without a stored token. */
export async function trustCommand(s: Settings, args: string[], f: Flags): Promise<Output> {
  const [sub, name, id] = args;
  if (!name) throw new CliError(`usage: ${TRUST_USAGE}`);
  switch (sub) {
    case 'add': {
      const body: TrustedPublisherRequest = {
        issuer: str(f, 'issuer') ?? '',
        repository: str(f, 'repository') ?? '',
        repositoryOwnerId: str(f, 'owner-id') ?? '',
        workflow: str(f, 'workflow') ?? '',
        environment: str(f, 'environment') ?? null,
      };
      const missing = (['issuer', 'repository', 'owner-id', 'workflow'] as const).filter((k) => !str(f, k));
      if (missing.length) throw new CliError(`trust add needs ${missing.map((k) => `--${k}`).join(', ')}\nusage: ${TRUST_USAGE}`);
      const r = (await sendJson<TrustedPublisherResponse>(s, 'POST', base(s, name), body, `adding a trusted publisher to ${name}`)).body;
      return { json: r, text: `${name} now trusts ${describe(r)}` };
    }
    case 'ls': {
      const r = await getJson<TrustedPublisherListResponse>(s, base(s, name), `listing the trusted publishers of ${name}`);
      return { json: r, text: r.trustedPublishers.length ? r.trustedPublishers.map(describe).join('\n') : `${name} has no trusted publishers` };
    }
    case 'rm': {
      if (!id) throw new CliError(`usage: ${TRUST_USAGE}`);
      const r = (await sendJson<unknown>(s, 'DELETE', `${base(s, name)}/${encodeURIComponent(id)}`, undefined, `removing trusted publisher ${id} of ${name}`))
        .body;
      return { json: r, text: `${name} no longer trusts publisher ${id}; the tokens it minted no longer work` };
    }
    default:
      throw new CliError(`usage: ${TRUST_USAGE}`);
  }
}
