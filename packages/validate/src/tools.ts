/**
 * Facts about how Unjucks and Hygen find and render templates: which file names are hooks, which
 * frontmatter keys they read, which filters and globals a template may use. One place, so the
 * discovery, the checks and the noise rules agree (see DISCOVERY.md for the sources).
 */
import nunjucks from 'nunjucks';

export const NUNJUCKS_EXT = /\.(njk|nunjucks|hbs|handlebars)$/;
export const EJS_EXT = /\.(ejs|ejs\.t|t)$/;
export const HOOK_FILES = new Set(['prompt.js', 'prompt.cjs', 'prompt.mjs', 'prompt.ts', 'index.js', 'index.cjs', 'index.ts', '.hygen.js', '.hygen.cjs']);

// Keys Unjucks or Hygen read (see the template-format reference).
export const KNOWN_KEYS = new Set([
  'to', 'inject', 'before', 'after', 'prepend', 'append', 'lineAt', 'at_line', 'skipIf', 'skip_if', 'unless_exists',
  'eof_last', 'sh', 'sh_ignore_exit', 'chmod', 'force', 'from', 'echo', 'message', 'variables', 'setup', 'spinner',
  'rdf', 'turtle', 'sparql', 'query', 'rdfData', 'turtleData', 'rdfBaseUri',
]);

// Names a template can use without being given them: nunjucks' and Unjucks' globals.
export const KNOWN_GLOBALS = new Set(['loop', 'range', 'cycler', 'joiner', 'caller', 'super', 'timestamp', 'now', 'today', 'dayjs', 'formatDate', 'true', 'false', 'none', 'null']);

const UNJUCKS_FILTERS = `pascalCase PascalCase camelCase kebabCase kebab-case kebab snakeCase snake_case constantCase CONSTANT_CASE capitalize
  lower upper lowerCase upperCase titleCase sentenceCase slug humanize underscore dasherize classify tableize camelize demodulize
  truncate wrap pad repeat reverse swapCase pluralize singular dump join default map formatDate dateFormat dateAdd dateSub
  dateSubtract dateFrom dateTo fromNow toNow dateStart startOf dateEnd endOf isToday isBefore isAfter dateDiff diff dateUnix unix
  dateIso iso dateUtc utc dateTimezone tz`.split(/\s+/);
const NUNJUCKS_FILTERS = Object.keys((new nunjucks.Environment() as unknown as { filters: Record<string, unknown> }).filters);
export const BUILTIN_FILTERS = new Set([...UNJUCKS_FILTERS, ...NUNJUCKS_FILTERS]);
