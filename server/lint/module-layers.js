// The import rule of server/src, an ESLint rule run by `npm run lint`: imports run one way,
// from the composition root and the transport adapters down through the domain modules
// (notifications → tickets → trust → readings → sensors → auth) to the infrastructure, the
// kernel and the pure trust core. A file may import its own unit and units below it, never
// one above nor another unit of its own layer: so no import cycle between units can exist.
// Adapter files that live in a module's folder (its resolvers, loaders, Fastify plugins,
// transports) belong to the adapter layer.
//
// Between modules there is a second rule: a file of modules/<a>/ reaches modules/<b>/ only
// through modules/<b>/index.ts, its public surface, once <b> has one. A module's adapter
// files are not part of that surface (adapters above reach them directly).
//
// It resolves each relative import to the file it names, because a file's layer depends on
// its path (a module's resolvers sit beside its service but two layers up); specifier
// patterns (`no-restricted-imports`) cannot tell those apart.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(import.meta.dirname, '..', 'src');

/** Lowest first: a unit may import only units earlier in this list (and itself). */
export const LAYERS = [
  ['trust'], // the pure engine: imports nothing outside its folder, no I/O
  ['kernel'], // shapes every layer shares
  ['project-paths', 'generated'],
  ['config'],
  ['db', 'events', 'jobs'],
  ['modules/auth'],
  ['modules/sensors'],
  ['modules/readings'],
  ['modules/trust'],
  ['modules/tickets'],
  ['modules/incidents'],
  ['modules/silences'],
  ['modules/notifications'],
  ['modules/dashboard'],
  ['modules/subscriptions'],
  ['trust-thread'], // the trust stream wired, on the main thread or its own worker thread
  ['services'], // composes the domain services
  ['adapter'], // GraphQL, HTTP, SSE, MQTT: graphql/, compat/, http/, plugins/ and module adapter files
  ['app'],
  ['cluster', 'demo', 'cli', 'tooling'],
  ['server'],
];

/** Files in a module's folder that adapt it to a transport rather than hold domain logic. */
const ADAPTER_FILE =
  /-(resolvers|loaders|plugin|transport)\.ts$|\/(sse-requests|guard|ticket-actor|dashboard-response-cache)\.ts$/;

/** The unit of a path relative to server/src. */
export function unitOf(rel) {
  if (/^modules\/[^/]+\/eval\//.test(rel)) return 'tooling';
  if (/^(graphql|compat|http|plugins)\//.test(rel) || (rel.startsWith('modules/') && ADAPTER_FILE.test(rel)))
    return 'adapter';
  const mod = rel.match(/^modules\/[^/]+/);
  if (mod) return mod[0];
  const dir = rel.match(/^([^/]+)\//);
  return dir ? dir[1] : rel.replace(/\.tsx?$/, '');
}

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));

/** What is wrong with `from` importing `to` (both relative to server/src), or null. */
export function layerViolation(from, to) {
  const a = unitOf(from);
  const b = unitOf(to);
  if (a === b) return null;
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra === undefined || rb === undefined)
    return `unit ${ra === undefined ? a : b} has no layer in server/lint/module-layers.js`;
  if (rb > ra) return `${b} is above ${a}: imports run downwards only`;
  if (rb === ra) return `${a} and ${b} share a layer and may not import each other`;
  return null;
}

const hasIndex = new Map();

/** What is wrong with a file of one module importing a file of another one directly, or null. */
export function deepImport(from, to) {
  const a = from.match(/^modules\/([^/]+)\//)?.[1];
  const b = to.match(/^modules\/([^/]+)\//)?.[1];
  if (!a || !b || a === b || to === `modules/${b}/index.ts` || ADAPTER_FILE.test(to)) return null;
  if (!hasIndex.has(b)) hasIndex.set(b, fs.existsSync(path.join(SRC, 'modules', b, 'index.ts')));
  return hasIndex.get(b) ? `modules/${b} is reached through modules/${b}/index.ts, its public surface` : null;
}

const layeredImports = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'server/src imports run one way through the layers of server/lint/module-layers.js, and into another module through its index.ts',
    },
    schema: [],
    messages: { forbidden: '{{from}} may not import {{to}}: {{why}}.' },
  },
  create(context) {
    const file = context.filename;
    const from = path.relative(SRC, file);
    if (from.startsWith('..') || path.isAbsolute(from) || /\.test\.tsx?$/.test(from)) return {};
    const check = (node) => {
      const spec = node?.type === 'Literal' && typeof node.value === 'string' ? node.value : null;
      if (!spec?.startsWith('.')) return;
      const to = path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
      if (to.startsWith('..')) return;
      const why = layerViolation(from, to) ?? deepImport(from, to);
      if (why) context.report({ node, messageId: 'forbidden', data: { from, to, why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) =>
        check(node.source ?? (node.argument?.type === 'TSLiteralType' ? node.argument.literal : null)),
    };
  },
};

/** The ESLint plugin: `boundaries/layered-imports`. */
export default { meta: { name: 'sensor-trust-boundaries' }, rules: { 'layered-imports': layeredImports } };
