/**
 * Entry of a validation worker thread (the server's pool, packages/server/src/validate-pool):
 * called with one UploadTask per publish; reads the archive and returns its facts and report.
 */
export { readAndValidate as default } from './worker-task.js';
