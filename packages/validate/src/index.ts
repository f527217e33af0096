export { appendFinding, validateFiles, validateTarball, VALIDATOR_VERSION, DEFAULT_SUPPORTED_UNJUCKS, RULES, type ValidateOptions } from './validate.js';
export { formatReport } from './format.js';
export { packFiles, unpackFiles, runValidateTask, type PackedFiles, type ValidateTask } from './worker-task.js';
export type { RuleId } from './findings.js';
export { ValidationMemo } from './memo.js';
