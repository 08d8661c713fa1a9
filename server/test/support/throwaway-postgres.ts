// PostgreSQL clusters of a test's own (initdb + pg_ctl in a temp directory, on a port of
// its choosing), for what the shared local server cannot do: be stopped mid-traffic, or
// stream to a replica (its pg_hba.conf allows no replication connections). As root,
// initdb and postgres run as the postgres user. Tests skip when the binaries are missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function pgBin(): string | null {
  const fromPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath && existsSync(join(fromPath, '..', 'initdb')) && existsSync(join(fromPath, '..', 'pg_basebackup')))
    return join(fromPath, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin');
  return null;
}

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) return null;
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const BIN = pgBin();
const OWNER = postgresUser();
/** Whether this machine can run throwaway clusters. */
export const throwawayPostgresUsable = BIN !== null && (process.getuid?.() !== 0 || OWNER !== null);

function run(cmd: string, args: string[]): void {
  execFileSync(join(BIN!, cmd), args, {
    ...(OWNER ? { uid: OWNER.uid, gid: OWNER.gid } : {}),
    stdio: 'pipe',
    timeout: 120_000,
  });
}

export interface ThrowawayCluster {
  port: number;
  /** postgres://… of a database on it. */
  url(database?: string): string;
  start(): void;
  /** `pg_ctl stop -m immediate`: what a crash looks like to clients. */
  stop(): void;
  createDatabase(name: string): Promise<void>;
  /** A streaming replica of this cluster (pg_basebackup -R), started on `port`. */
  replica(port: number): ThrowawayCluster;
  remove(): Promise<void>;
}

function cluster(dir: string, data: string, port: number): ThrowawayCluster {
  const self: ThrowawayCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () =>
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        `${data}.log`,
        '-w',
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=50`,
        'start',
      ]),
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    },
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: self.url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
    },
    replica(replicaPort) {
      const replicaData = join(dir, `replica-${replicaPort}`);
      run('pg_basebackup', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-D',
        replicaData,
        '-R',
        '-X',
        'stream',
      ]);
      const r = cluster(dir, replicaData, replicaPort);
      r.start();
      return r;
    },
    async remove() {
      self.stop();
    },
  };
  return self;
}

/** initdb + start on `port`. `remove()` stops it and deletes its directory. */
export async function startThrowawayCluster(port: number): Promise<ThrowawayCluster> {
  if (!throwawayPostgresUsable) throw new Error('no usable PostgreSQL server binaries (initdb, pg_ctl)');
  const dir = await mkdtemp(join(tmpdir(), 'st-pg-'));
  if (OWNER) {
    await chown(dir, OWNER.uid, OWNER.gid);
    await chmod(dir, 0o755);
  }
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const primary = cluster(dir, data, port);
  primary.start();
  const replicas: ThrowawayCluster[] = [];
  return {
    ...primary,
    replica(replicaPort) {
      const r = primary.replica(replicaPort);
      replicas.push(r);
      return r;
    },
    async remove() {
      for (const r of replicas) r.stop();
      primary.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
