export * from './errors.js';
export * from './name.js';
export * from './version.js';
export * from './manifest.js';
export * from './limits.js';
export * from './integrity.js';
export * from './tarball.js';
export * from './api-types.js';
