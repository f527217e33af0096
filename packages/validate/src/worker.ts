/**
 * Entry of a validation worker thread (the server's pool, packages/server/src/validate-pool):
 * the default export is called with one ValidateTask per package and returns its report.
 */
export { runValidateTask as default } from './worker-task.js';
export { readAndValidate } from './worker-task.js';
