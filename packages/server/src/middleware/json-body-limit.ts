import { InputError } from '@unjucks/core';
import { bodyLimit } from 'hono/body-limit';
import { JSON_BODY_LIMIT } from '../json-body.js';

/** JSON requests are small: a larger body is refused before it is read. */
export const jsonBodyLimit = bodyLimit({
  maxSize: JSON_BODY_LIMIT,
  onError: () => {
    throw new InputError(`the request body is larger than ${JSON_BODY_LIMIT} bytes; JSON requests are small`, 'payload_too_large');
  },
});
