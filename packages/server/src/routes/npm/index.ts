import { Hono } from 'hono';
import type { AppEnv, NpmApp } from '../../app-env.js';
import type { Logger } from '../../log.js';
import { renderErrors } from '../../middleware/error-handler.js';
import { npmClientGet } from './client-get.js';
import { npmDistTagsDelete, npmDistTagsGet, npmDistTagsPut } from './dist-tags.js';
import { npmLogin, npmUserGet, npmWebLogin } from './login.js';
import { npmLogout } from './logout.js';
import { npmPackumentGet, npmTarballGet, npmVersionGet } from './package-get.js';
import { npmPackageDelete, npmPackagePut, npmPackagePutRev, npmTarballDelete } from './package-write.js';
import { npmPing } from './ping.js';
import { npmSearch } from './search.js';
import { npmTokensCreate, npmTokensDelete, npmTokensList } from './tokens.js';
import { npmWhoami } from './whoami.js';

/**
 * The npm registry protocol: its errors keep npm's shape (`error` and `message`). `/-/` routes come
 * before the catch-all package routes, which would otherwise take "-" for a package name.
 */
export function npmApp(logger: Logger): NpmApp {
  const npm = new Hono<AppEnv>();
  npm.onError(renderErrors(logger, () => 'npm'));
  npmPing(npm);
  npmWhoami(npm);
  npmSearch(npm);
  npmDistTagsGet(npm);
  npmDistTagsPut(npm);
  npmDistTagsDelete(npm);
  npmLogin(npm);
  npmUserGet(npm);
  npmWebLogin(npm);
  npmLogout(npm);
  npmTokensList(npm);
  npmTokensCreate(npm);
  npmTokensDelete(npm);
  npmClientGet(npm);
  npmTarballGet(npm);
  npmTarballDelete(npm);
  npmPackageDelete(npm);
  npmPackagePutRev(npm);
  npmPackumentGet(npm);
  npmVersionGet(npm);
  npmPackagePut(npm);
  return npm;
}
