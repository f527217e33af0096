import { MintedTokenSchema, OidcExchangeBody } from '@unjucks/core/api-schemas';
import { exchangeIdToken } from '../oidc/exchange.js';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { nativeRoute } from './native-route.js';

/**
 * POST /api/v1/oidc/exchange — { token, package }: a CI job's OIDC ID token for a publish token
 * limited to that package, living 15 minutes. Needs no registry token: the ID token is the credential.
 */
export function oidcExchange(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/oidc/exchange',
      summary: "Exchange a CI job's OIDC ID token for a short-lived publish token (trusted publishing)",
      tags: ['trusted publishing'],
      auth: { kind: 'anonymous' },
      body: OidcExchangeBody,
      bodyExample: '{ "token": "<the CI job\'s ID token>", "package": "@acme/react-gen" }',
      responses: { 201: { description: 'The publish token, shown once; `trustedPublisher` is the id it was minted for.', schema: MintedTokenSchema } },
      // Refusals before the ID token is verified name no one and are not recorded (see audited.ts).
      middleware: [audited('oidc.exchange')],
    },
    async (c) => c.json(await exchangeIdToken(c.get('registry'), c.req.valid('json'), (extra) => c.set('audit', extra)), 201),
  );
}
