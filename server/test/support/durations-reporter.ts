// A Vitest reporter that writes where the time of a run goes to test-results/durations.json,
// read by `npm run test:durations`. Vitest's JSON report times a file from its first test to its
// last, so a server started in beforeAll, the imports and the environment are not in it; this
// records each file's wall-clock span from start to end, its project, and what set-up took.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface DurationsFile {
  project: string;
  file: string;
  /** Set-up plus tests and hooks: the file's share of a worker. */
  wallMs: number;
  /** When its last hook finished (epoch ms); with wallMs it places the file on the run's timeline. */
  endedAt: number;
  /** Environment, harness, setup files and importing the test module (suite callbacks included). */
  setupMs: number;
  /** Tests and hooks. */
  runMs: number;
  state: string;
  tests: { name: string; ms: number; state: string }[];
}

export interface DurationsReport {
  startedAt: number;
  wallMs: number;
  files: DurationsFile[];
}

export default class DurationsReporter implements Reporter {
  private readonly ended = new Map<string, number>();
  private readonly runStart = Date.now();

  private readonly outputFile: string;

  constructor(options: { outputFile?: string } = {}) {
    this.outputFile = options.outputFile ?? 'test-results/durations.json';
  }

  onTestModuleEnd(module: TestModule) {
    this.ended.set(module.moduleId, Date.now());
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const end = Date.now();
    const files = modules.map((module): DurationsFile => {
      const d = module.diagnostic();
      const setupMs = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration;
      const tests = [...module.children.allTests()].map((test) => ({
        name: test.fullName,
        ms: Math.round(test.diagnostic()?.duration ?? 0),
        state: test.result().state,
      }));
      return {
        project: module.project.name,
        file: relative(process.cwd(), module.moduleId),
        wallMs: Math.round(setupMs + d.duration),
        endedAt: this.ended.get(module.moduleId) ?? end,
        setupMs: Math.round(setupMs),
        runMs: Math.round(d.duration),
        state: module.state(),
        tests,
      };
    });
    const report: DurationsReport = { startedAt: this.runStart, wallMs: end - this.runStart, files };
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, JSON.stringify(report, null, 1));
  }
}
