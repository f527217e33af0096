import { InputError } from './errors.js';

/**
 * A list given as an array of strings or as one comma-separated string (how CLI flags and web forms
 * send it), trimmed and without empty items. Anything else is a 400 with `error`, which names the
 * expected form.
 */
export function stringList(input: unknown, error: string): string[] {
  const items =
    typeof input === 'string'
      ? input
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : input;
  if (!Array.isArray(items) || items.some((x) => typeof x !== 'string')) throw new InputError(error);
  return items as string[];
}
