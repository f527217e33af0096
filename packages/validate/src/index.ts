export { appendFinding, validateFiles, validateTarball, VALIDATOR_VERSION, DEFAULT_SUPPORTED_UNJUCKS, RULES, type ValidateOptions } from './validate.js';
export { formatReport } from './format.js';
export {
  readAndValidate,
  type UploadTask,
  type ArchiveFacts,
  type UploadOutcome,
} from './worker-task.js';
export type { RuleId } from './findings.js';
export { ValidationMemo } from './memo.js';
