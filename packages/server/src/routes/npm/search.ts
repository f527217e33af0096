import type { NpmApp } from '../../app-env.js';
import { searchHandler } from '../search.js';

/** GET /-/v1/search?text=&size=&from= — npm search, on the registry's own engine. */
export const npmSearch = (app: NpmApp) => app.get('/-/v1/search', searchHandler);
