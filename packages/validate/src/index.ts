export { appendFinding, validateFiles, validateTarball, VALIDATOR_VERSION, DEFAULT_SUPPORTED_UNJUCKS, RULES, type ValidateOptions } from './validate.js';
export { formatReport } from './format.js';
