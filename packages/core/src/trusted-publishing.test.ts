import { describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS_ISSUER, issuerUrlOf, parseTrustedPublisher, workflowMatches } from './trusted-publishing.js';

const GH = 'acme/app/.github/workflows/release.yml@refs/heads/main';
const GL = 'gitlab.com/acme/tools/app//.gitlab-ci.yml@refs/tags/v1.0.0';

describe('workflowMatches', () => {
  it.each([
    ['release.yml', GH],
    ['release.yml@refs/heads/main', GH],
    ['acme/app/.github/workflows/release.yml', GH],
    // The path inside the repository, as people copy it from their tree.
    ['.github/workflows/release.yml', GH],
    ['.github/workflows/release.yml@refs/heads/main', GH],
    [GH, GH],
    ['.gitlab-ci.yml', GL],
    ['.gitlab-ci.yml@refs/tags/v1.0.0', GL],
  ])('%s matches %s', (configured, claim) => expect(workflowMatches(configured, claim)).toBe(true));

  it.each([
    ['ci.yml', GH],
    ['release.yml@refs/heads/dev', GH],
    ['release', GH],
    ['elease.yml', GH],
    ['/release.yml', GH],
    ['.github/workflows/release.yml@refs/heads/dev', GH],
    ['other/.github/workflows/release.yml', GH],
    ['release.yml', ''],
    ['.gitlab-ci.yml@refs/heads/main', GL],
    // Another workflow on a branch named to end like the trusted one (red team, issue 17).
    ['release.yml@refs/heads/main', 'acme/app/.github/workflows/evil.yml@refs/heads/x/release.yml@refs/heads/main'],
    ['release.yml', 'acme/app/.github/workflows/evil.yml@refs/heads/x/release.yml@refs/heads/main'],
    // A workflow file whose name starts like the trusted one.
    ['release.yml', 'acme/app/.github/workflows/release.yml@x.yml@refs/heads/main'],
    ['release.yml', 'acme/app/.github/workflows/release.yml@x.yml'],
  ])('%s does not match %s', (configured, claim) => expect(workflowMatches(configured, claim)).toBe(false));

  it('still matches the trusted workflow on a branch whose name holds an "@"', () => {
    expect(workflowMatches('release.yml', 'acme/app/.github/workflows/release.yml@refs/heads/me@feature')).toBe(true);
    expect(workflowMatches('release.yml@refs/heads/me@feature', 'acme/app/.github/workflows/release.yml@refs/heads/me@feature')).toBe(true);
  });
});

describe('parseTrustedPublisher', () => {
  it('expands issuer aliases, trims, and reads a numeric owner id as text', () => {
    expect(parseTrustedPublisher({ issuer: 'GitHub', repository: ' acme/app ', repositoryOwnerId: 42, workflow: 'release.yml', environment: '' })).toEqual({
      issuer: GITHUB_ACTIONS_ISSUER,
      repository: 'acme/app',
      repositoryOwnerId: '42',
      workflow: 'release.yml',
      environment: null,
    });
    expect(issuerUrlOf('https://gitlab.example.com/')).toBe('https://gitlab.example.com');
  });

  it.each([
    [{ repository: 'a/b', repositoryOwnerId: '1', workflow: 'w.yml' }, /issuer is required/],
    [{ issuer: 'ftp://x', repository: 'a/b', repositoryOwnerId: '1', workflow: 'w.yml' }, /issuer must be/],
    [{ issuer: 'github', repositoryOwnerId: '1', workflow: 'w.yml' }, /repository is required/],
    [{ issuer: 'github', repository: 'a/b', workflow: 'w.yml' }, /repositoryOwnerId is required/],
    [{ issuer: 'github', repository: 'a/b', repositoryOwnerId: '1' }, /workflow is required/],
    [{ issuer: 'github', repository: 'a b', repositoryOwnerId: '1', workflow: 'w.yml' }, /without spaces/],
  ])('refuses %j', (body, why) => expect(() => parseTrustedPublisher(body)).toThrow(why));
});
