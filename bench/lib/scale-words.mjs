// The scale bench's vocabulary (bench/scale.mjs generates packages from it) and its query mix,
// shared with bench/search-after-change.mjs, which searches a database the scale bench kept.

// The words packages are described with; each package draws a few, so queries match a spread of them.
export const WORDS = (
  'react vue angular svelte solid next nuxt remix astro node express fastify hono nest koa graphql rest grpc ' +
  'kafka redis postgres mysql mongo sqlite prisma drizzle docker kubernetes helm terraform ansible github gitlab ' +
  'actions workflow lambda serverless component page layout form table modal hook store service controller ' +
  'module plugin middleware router schema model migration seed fixture test spec story storybook cypress ' +
  'playwright jest vitest eslint prettier tailwind bootstrap material chakra antd icon theme i18n auth oauth ' +
  'jwt session cache queue worker cron logger metrics tracing config env monorepo package library cli tool ' +
  'script generator template scaffold starter boilerplate api client sdk websocket stream upload email'
).split(' ');

/** The i-th of the scale bench's queries: two words each, over 1,000 distinct pairs and more. */
export const query = (i) => `${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + Math.floor(i / WORDS.length)) % WORDS.length]}`;
