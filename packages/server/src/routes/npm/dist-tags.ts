import { getDistTags, removeDistTag, setDistTag } from '../../registry/tags.js';
import { nameParam, type NpmApp } from '../../app-env.js';
import { audited, packageTarget } from '../../middleware/audited.js';
import { readJson } from '../json.js';

/** GET /-/package/:name/dist-tags — npm dist-tag ls. */
export const npmDistTagsGet = (app: NpmApp) =>
  app.get('/-/package/:name/dist-tags', async (c) => c.json(await getDistTags(c.get('registry'), c.get('actor'), nameParam(c))));

/** PUT /-/package/:name/dist-tags/:tag — npm dist-tag add; the body is a bare JSON string. */
export const npmDistTagsPut = (app: NpmApp) =>
  app.put('/-/package/:name/dist-tags/:tag', audited('dist-tag.set', packageTarget), async (c) => {
    const version = await readJson(c, 'the version as a JSON string, such as "1.2.3"');
    c.set('audit', { detail: { tag: c.req.param('tag'), version } });
    await setDistTag(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('tag'), version);
    return c.json({ ok: true }, 201);
  });

/** DELETE /-/package/:name/dist-tags/:tag — npm dist-tag rm. */
export const npmDistTagsDelete = (app: NpmApp) =>
  app.delete('/-/package/:name/dist-tags/:tag', audited('dist-tag.remove', packageTarget), async (c) => {
    c.set('audit', { detail: { tag: c.req.param('tag') } });
    await removeDistTag(c.get('registry'), c.get('actor'), nameParam(c), c.req.param('tag'));
    return c.json({ ok: true });
  });
