/**
 * Facts about how Unjucks and Hygen find and render templates: which file names are hooks, which
 * frontmatter keys they read, which filters and globals a template may use. One place, so the
 * discovery, the checks and the noise rules agree (see DISCOVERY.md for the sources).
 */
import nunjucks from 'nunjucks';

/** Unjucks 2025.9 renders these with Nunjucks (generate.js getTemplateFiles; .hbs has no engine of its own). */
export const UNJUCKS_TEMPLATE_EXT = /\.(njk|nunjucks|hbs|handlebars|ejs)$/;
/** Of those, the extensions whose authors certainly wrote Nunjucks (a parse error is theirs to fix). */
export const NUNJUCKS_EXT = /\.(njk|nunjucks|hbs|handlebars)$/;
/** Unjucks 1.x sends these through its EJS emulation (string substitution), not through Nunjucks. */
export const UNJUCKS_EJS_NAME = /\.(ejs|ejs\.t)$/;
/** Unjucks 1.x also treats any body containing an EJS tag as EJS (generator.ts containsEjsSyntax). */
export const EJS_TAG = /<%[^>]*%>/;

/** Hygen's render.ts drops every walked path that ends with one of these (String.endsWith on the whole path). */
export const HYGEN_IGNORED_SUFFIXES = [
  'prompt.js',
  'index.js',
  'prompt.ts',
  'index.ts',
  '.hygenignore',
  '.DS_Store',
  '.Spotlight-V100',
  '.Trashes',
  'ehthumbs.db',
  'Thumbs.db',
];
/** Hygen's prompt.ts loads the first of these found in the action folder, and runs it. */
export const HYGEN_HOOK_FILES = ['index.js', 'index.ts', 'prompt.cjs', 'prompt.js', 'prompt.ts'];
/** Hygen's config resolver loads these (helpers, custom exec) from the working folder upwards. */
export const HYGEN_CONFIG_FILES = new Set(['.hygen.js', '.hygen.cjs']);
/** Names Hygen puts in every template's scope; not variables the user is asked for. */
export const HYGEN_LOCALS = new Set(['h', 'locals', 'attributes', 'templates', 'actionfolder', 'generator', 'action', 'subaction', 'cwd', 'ts', 'config']);

/** Per-folder metadata Unjucks reads (generator.ts config.yml; template-discovery meta/template files): data, not templates. */
export const METADATA_FILES = new Set([
  'config.yml',
  'config.yaml',
  'meta.yml',
  'meta.yaml',
  'template.yml',
  'template.yaml',
  '.template.yml',
  '.template.yaml',
]);
/** Documentation beside templates. */
export const DOC_FILE = /^(readme(\.(md|markdown|txt))?|index\.md)$/i;

// Keys Unjucks or Hygen read (see the template-format reference and DISCOVERY.md).
export const KNOWN_KEYS = new Set([
  // Hygen (templates.md "All Frontmatter Properties", ops/*.ts)
  'to',
  'from',
  'force',
  'unless_exists',
  'skip_if',
  'inject',
  'before',
  'after',
  'prepend',
  'append',
  'at_line',
  'eof_last',
  'sh',
  'sh_ignore_exit',
  'spinner',
  'echo',
  'message',
  'setup',
  // Unjucks (frontmatter-parser FrontmatterConfig, template-engine variables)
  'lineAt',
  'skipIf',
  'chmod',
  'variables',
  'mode',
  'verbose',
  'metadata',
  'rdf',
  'turtle',
  'sparql',
  'query',
  'rdfData',
  'turtleData',
  'rdfBaseUri',
  'rdfPrefixes',
  'rdfQuery',
]);

// Names a template can use without being given them: nunjucks' and Unjucks' globals.
export const KNOWN_GLOBALS = new Set([
  'loop',
  'range',
  'cycler',
  'joiner',
  'caller',
  'super',
  'timestamp',
  'now',
  'today',
  'dayjs',
  'formatDate',
  'moment',
  'uuid',
  'true',
  'false',
  'none',
  'null',
]);

// Unjucks 2025.9 nunjucks-filters.js (79 addFilter calls), generator.ts, semantic-filters.ts and rdf-filters.ts.
const UNJUCKS_FILTERS = `pascalCase PascalCase camelCase kebabCase kebab-case kebab snakeCase snake_case constantCase CONSTANT_CASE capitalize
  lower upper lowerCase upperCase titleCase sentenceCase slug humanize underscore dasherize classify tableize camelize demodulize
  truncate wrap pad repeat reverse swapCase pluralize singular singularize dump join default map tojson formatDate dateFormat dateAdd dateSub
  dateSubtract dateFrom dateTo fromNow toNow dateStart startOf dateEnd endOf isToday isBefore isAfter dateDiff diff dateUnix unix
  dateIso iso dateUtc utc dateTimezone tz
  semanticValue literalOrResource prefixedName sparqlTerm pathExpression moment uuid isValidIRI escapeRDF rdfCollection
  rdfSubject rdfObject rdfPredicate rdfQuery rdfLabel rdfType rdfNamespace rdfGraph rdfExpand rdfCompact rdfCount rdfExists rdfLocalName`.split(/\s+/);
const NUNJUCKS_FILTERS = Object.keys((new nunjucks.Environment() as unknown as { filters: Record<string, unknown> }).filters);
export const BUILTIN_FILTERS = new Set([...UNJUCKS_FILTERS, ...NUNJUCKS_FILTERS]);
