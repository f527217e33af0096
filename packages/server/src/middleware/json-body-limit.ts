import { InputError } from '@unjucks/core';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { JSON_BODY_LIMIT } from '../json-body.js';

/** JSON requests are small: a larger body is refused before it is read. */
const limit = bodyLimit({
  maxSize: JSON_BODY_LIMIT,
  onError: () => {
    throw new InputError(`the request body is larger than ${JSON_BODY_LIMIT} bytes; JSON requests are small`, 'payload_too_large');
  },
});

/**
 * GET and HEAD carry no body to limit, and asking for one (c.req.raw.body) makes node-server build
 * the full Request: the hot reads skip it.
 */
export const jsonBodyLimit: MiddlewareHandler = (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
