import { OrgParams, PackageNameParams, ReviewPolicyBody, ReviewPolicySchema } from '@unjucks/core/api-schemas';
import { orgPolicy, packagePolicy, setOrgPolicy, setPackagePolicy } from '../registry/review-policy.js';
import type { App } from '../app-env.js';
import { audited, orgTarget, packageTarget } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

const responses = { 200: { description: 'The setting, and what new versions need.', schema: ReviewPolicySchema } };

/** GET and PUT /api/v1/packages/:name/review-policy — approvals a new version needs (owners set it). */
export function packageReviewPolicy(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/review-policy',
      summary: 'Read how many approvals a new version of the package needs',
      tags: ['reviews'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses,
    },
    async (c) => c.json(await packagePolicy(c.get('registry'), c.get('actor'), c.req.valid('param').name)),
  );
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/packages/{name}/review-policy',
      summary: 'Set how many approvals a new version of the package needs (owners; 0 turns reviews off; the org may ask for more)',
      tags: ['reviews'],
      auth: { kind: 'token', action: 'owners' },
      what: 'setting a review policy',
      params: PackageNameParams,
      body: ReviewPolicyBody,
      bodyExample: '{ "requiredApprovals": 1 }',
      responses,
      middleware: [audited('package.review-policy', packageTarget)],
    },
    async (c) => {
      const { requiredApprovals } = c.req.valid('json');
      c.set('audit', { detail: { requiredApprovals } });
      return c.json(await setPackagePolicy(c.get('registry'), c.get('actor'), c.req.valid('param').name, requiredApprovals));
    },
  );
}

/** GET and PUT /api/v1/orgs/:org/review-policy — a floor for every package in the scope (owners). */
export function orgReviewPolicy(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/orgs/{org}/review-policy',
      summary: 'Read how many approvals new versions in the org need (owners)',
      tags: ['reviews'],
      // assertOrgOwner checks "owners" once it knows the org, as the other org routes do.
      auth: { kind: 'token' },
      params: OrgParams,
      responses,
    },
    async (c) => c.json(await orgPolicy(c.get('registry'), c.get('actor'), c.req.valid('param').org)),
  );
  nativeRoute(
    app,
    {
      method: 'put',
      path: '/api/v1/orgs/{org}/review-policy',
      summary: 'Set how many approvals new versions in the org need (owners; 0 turns the org rule off)',
      tags: ['reviews'],
      auth: { kind: 'token' },
      what: 'setting a review policy',
      params: OrgParams,
      body: ReviewPolicyBody,
      bodyExample: '{ "requiredApprovals": 1 }',
      responses,
      middleware: [audited('org.review-policy', orgTarget)],
    },
    async (c) => {
      const { requiredApprovals } = c.req.valid('json');
      c.set('audit', { detail: { requiredApprovals } });
      return c.json(await setOrgPolicy(c.get('registry'), c.get('actor'), c.req.valid('param').org, requiredApprovals));
    },
  );
}
