import { describe, expect, it } from 'vitest';
import { validateTarball } from '../../packages/validate/src/index.js';
import { gzipTar } from '../helpers/packages.js';
import { BYPASSES } from '../fixtures/bypasses.js';

/**
 * Reproductions of the ways around the validator from issue #11: each hostile package must get an
 * error on the attacking file, or a capability naming it (which `unjucks install` refuses
 * without --allow-scripts, or which a registry can refuse outright).
 */
describe('validator bypasses are closed', () => {
  it.each(BYPASSES)('$label', async ({ file, expect: want, entries }) => {
    const report = await validateTarball(gzipTar(entries));
    if ('rule' in want) {
      expect(report.findings).toContainEqual(expect.objectContaining({ rule: want.rule, severity: 'error', file }));
      expect(report.ok).toBe(false);
    } else {
      expect(report.capabilityDetails).toContainEqual(expect.objectContaining({ name: want.capability, file }));
    }
  });
});
