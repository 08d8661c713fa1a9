// The import rule of server/src, checked on every `npm test`: imports run one way, from the
// composition root and the transport adapters down through the domain modules
// (notifications → tickets → trust → readings → sensors → auth) to the infrastructure, the
// kernel and the pure trust core. A file may import its own unit and units below it, never one
// above: that also rules out cycles between units. Adapter files that live in a module's
// folder (its resolvers, loaders, Fastify plugins, transports) belong to the adapter layer.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../src/project-paths.js';

const SRC = projectPath('server', 'src');

/** Lowest first: a unit may import only units earlier in this list (and itself). */
const LAYERS: readonly (readonly string[])[] = [
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
  ['services'], // composes the domain services
  ['adapter'], // GraphQL, HTTP, SSE, MQTT: graphql/, compat/, http/, plugins/ and module adapter files
  ['app'],
  ['cluster', 'demo', 'cli', 'tooling'],
  ['server'],
];

/** Files in a module's folder that adapt it to a transport rather than hold domain logic. */
const ADAPTER_FILE =
  /-(resolvers|loaders|plugin|transport)\.ts$|\/(sse-requests|guard|ticket-actor|dashboard-response-cache)\.ts$/;

function unitOf(rel: string): string {
  if (/^modules\/[^/]+\/eval\//.test(rel)) return 'tooling';
  if (/^(graphql|compat|http|plugins)\//.test(rel) || (rel.startsWith('modules/') && ADAPTER_FILE.test(rel)))
    return 'adapter';
  const mod = rel.match(/^modules\/[^/]+/);
  if (mod) return mod[0];
  const dir = rel.match(/^([^/]+)\//);
  return dir ? dir[1]! : rel.replace(/\.ts$/, '');
}

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

function importEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    return info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({
        from: path.relative(SRC, file),
        to: path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts'),
      }));
  });
}

/**
 * Imports that break the rule, each with what removes it (none today). The test fails when one
 * is added and also when a listed one is gone, so this list is always the current debt.
 */
const KNOWN: Readonly<Record<string, string>> = {};

function violations(edges: readonly Edge[]): string[] {
  const found = new Set<string>();
  for (const { from, to } of edges) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined) {
      found.add(`${from} -> ${to} (unit ${ra === undefined ? a : b} has no layer)`);
    } else if (rb >= ra) found.add(`${from} -> ${to}`);
  }
  return [...found].sort();
}

describe('module boundaries of server/src', () => {
  const edges = importEdges();

  it('reads the imports of every source file', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.to === 'kernel/errors.ts')).toBe(true);
  });

  it('imports only downwards (no cycle between units, no module importing one above it)', () => {
    expect(violations(edges)).toEqual(Object.keys(KNOWN).sort());
  });

  it('catches an upward import when one is added', () => {
    const added = [
      ...edges,
      { from: 'modules/sensors/sensors-repository.ts', to: 'modules/tickets/tickets-service.ts' },
    ];
    expect(violations(added)).toContain('modules/sensors/sensors-repository.ts -> modules/tickets/tickets-service.ts');
    const cycle = [...edges, { from: 'trust/observe.ts', to: 'kernel/errors.ts' }];
    expect(violations(cycle)).toContain('trust/observe.ts -> kernel/errors.ts');
  });
});
