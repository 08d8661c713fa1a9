// The layering of server/src is an ESLint rule (server/lint/module-layers.js) that `npm run
// lint` runs over every source file. These tests prove it can fail: they lint probe files
// with forbidden imports, placed (by path, never written to disk, so that a build or a
// type check running beside them is not disturbed) in server/src, with the project's own
// ESLint config through ESLint's Node API, and expect the rule's errors. Type-aware rules
// are switched off: they have nothing to do with imports and need files on disk.
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../src/project-paths.js';

const RULE = 'boundaries/layered-imports';
const SRC = projectPath('server', 'src');
const tag = 'lint-probe';

interface Probe {
  file: string;
  code: string;
}

/** A probe file at server/src/<rel>, its name prefixed with a tag (the suffix tells an adapter file). */
function probe(rel: string, code: string): Probe {
  return { file: path.join(SRC, path.dirname(rel), `${tag}-${path.basename(rel)}`), code };
}

const eslint = new ESLint({ cwd: projectPath(), overrideConfig: tseslint.configs.disableTypeChecked });

async function layerErrors(probes: Probe[]): Promise<Map<string, string[]>> {
  const errors = new Map<string, string[]>();
  for (const { file, code } of probes) {
    const [result] = await eslint.lintText(code, { filePath: file, warnIgnored: true });
    const messages = result?.messages ?? [];
    expect(messages.filter((m) => m.fatal)).toEqual([]);
    errors.set(
      path.relative(SRC, file),
      messages.filter((m) => m.ruleId === RULE && m.severity === 2).map((m) => m.message),
    );
  }
  return errors;
}

const name = (p: Probe) => path.relative(SRC, p.file);

describe('module boundaries of server/src (eslint rule boundaries/layered-imports)', () => {
  it('fails a module importing one above it, and accepts an import downwards', async () => {
    const up = probe(
      'modules/sensors/probe-up.ts',
      "export { createTicketsService } from '../tickets/tickets-service.js';\n",
    );
    const down = probe('modules/tickets/probe-down.ts', "export type { Db } from '../../db/client.js';\n");
    const errors = await layerErrors([up, down]);
    expect(errors.get(name(up))).toEqual([
      `${name(up)} may not import modules/tickets/tickets-service.ts: modules/tickets is above modules/sensors: imports run downwards only.`,
    ]);
    expect(errors.get(name(down))).toEqual([]);
  });

  it('fails an import cycle between two modules (its upward half)', async () => {
    const a = probe(
      'modules/sensors/probe-cycle.ts',
      `import type { B } from '../readings/${tag}-probe-cycle.js';\nexport type A = B;\n`,
    );
    const b = probe(
      'modules/readings/probe-cycle.ts',
      `import type { A } from '../sensors/${tag}-probe-cycle.js';\nexport type B = A | 1;\n`,
    );
    const errors = await layerErrors([a, b]);
    expect(errors.get(name(a))).toEqual([expect.stringContaining('modules/readings is above modules/sensors')]);
    expect(errors.get(name(b))?.filter((m) => m.includes('is above'))).toEqual([]);
  });

  it('keeps the pure trust core free of the shell, and units of one layer apart, in every import form', async () => {
    const core = probe(
      'trust/probe-core.ts',
      "export type E = import('../kernel/errors.js').DomainError;\nexport const load = () => import('../config.js');\n",
    );
    const sideways = probe('db/probe-sideways.ts', "export * from '../events/topics.js';\n");
    const errors = await layerErrors([core, sideways]);
    expect(errors.get(name(core))).toEqual([
      expect.stringContaining('may not import kernel/errors.ts: kernel is above trust'),
      expect.stringContaining('may not import config.ts: config is above trust'),
    ]);
    expect(errors.get(name(sideways))).toEqual([expect.stringContaining('db and events share a layer')]);
  });

  it("fails a deep import into another module's files, and accepts its index.ts and its adapter files", async () => {
    const deep = probe(
      'modules/silences/probe-deep.ts',
      "import type { SensorsRepository } from '../sensors/sensors-repository.js';\nexport type R = SensorsRepository;\n",
    );
    const surface = probe(
      'modules/silences/probe-surface.ts',
      "import type { SensorsRepository } from '../sensors/index.js';\nexport type R = SensorsRepository;\n",
    );
    const adapter = probe(
      'modules/silences/probe-resolvers.ts',
      "export { actorFrom } from '../tickets/ticket-actor.js';\n",
    );
    const errors = await layerErrors([deep, surface, adapter]);
    expect(errors.get(name(deep))).toEqual([
      `${name(deep)} may not import modules/sensors/sensors-repository.ts: modules/sensors is reached through modules/sensors/index.ts, its public surface.`,
    ]);
    expect(errors.get(name(surface))).toEqual([]);
    expect(errors.get(name(adapter))).toEqual([]);
  });

  it('fails a file whose unit has no layer', async () => {
    const stray = probe('stray-probe.ts', "export { loadConfig } from './config.js';\n");
    const errors = await layerErrors([stray]);
    expect(errors.get(name(stray))).toEqual([expect.stringContaining('has no layer')]);
  });
});
