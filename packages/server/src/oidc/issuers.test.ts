import { describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS_ISSUER, GITLAB_ISSUER } from '@unjucks/core';
import { GITLAB_CLAIMS, GITHUB_CLAIMS, loadOidcSettings, parseOidcIssuers } from './issuers.js';

describe('OIDC_ISSUERS', () => {
  it('knows GitHub Actions and gitlab.com out of the box', () => {
    expect(parseOidcIssuers(undefined).map((i) => [i.issuer, i.claims])).toEqual([
      [GITHUB_ACTIONS_ISSUER, GITHUB_CLAIMS],
      [GITLAB_ISSUER, GITLAB_CLAIMS],
    ]);
  });

  it('adds issuers with a preset or their own claims, and replaces a built-in one by URL', () => {
    const list = parseOidcIssuers(
      JSON.stringify([
        { issuer: 'https://gitlab.example.com/', name: 'ours', claims: 'gitlab' },
        { issuer: 'https://ci.example.com', claims: { repository: 'repo', runId: 'build' } },
        { issuer: GITLAB_ISSUER, name: 'gitlab-custom', claims: 'gitlab' },
      ]),
    );
    expect(list.find((i) => i.issuer === 'https://gitlab.example.com')).toEqual({ issuer: 'https://gitlab.example.com', name: 'ours', claims: GITLAB_CLAIMS });
    expect(list.find((i) => i.issuer === 'https://ci.example.com')).toEqual({
      issuer: 'https://ci.example.com',
      name: 'ci.example.com',
      claims: { ...GITHUB_CLAIMS, repository: 'repo', runId: 'build' },
    });
    expect(list.filter((i) => i.issuer === GITLAB_ISSUER).map((i) => i.name)).toEqual(['gitlab-custom']);
  });

  it.each([
    ['not json', /not JSON/],
    ['{"issuer":"https://x"}', /JSON array/],
    ['[{"name":"x"}]', /needs "issuer"/],
    ['[{"issuer":"https://x","claims":"jenkins"}]', /claims of https:\/\/x/],
    ['[{"issuer":"https://x","claims":{"repository":""}}]', /claims of https:\/\/x/],
  ])('refuses %s', (raw, why) => expect(() => parseOidcIssuers(raw)).toThrow(why));

  it('exchanged tokens live 15 minutes unless OIDC_TOKEN_LIFETIME says', () => {
    expect(loadOidcSettings({}).tokenLifetimeSeconds).toBe(900);
    expect(loadOidcSettings({ OIDC_TOKEN_LIFETIME: '5m' }).tokenLifetimeSeconds).toBe(300);
  });
});
