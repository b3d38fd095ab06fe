/**
 * The demo needs a PostgreSQL server. It uses $DEMO_PG_URL or the local one on 127.0.0.1:5432; when none
 * answers but PostgreSQL's server binaries are installed, it starts a private cluster inside the demo
 * directory on a free loopback port (as the postgres user when run as root, since initdb refuses root).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { freePort } from '../common/free-port';
import * as path from 'node:path';
import { Client } from 'pg';
import { ExitCode, MmBackupError } from '../common/errors';

export interface DemoServer {
  url: string;
  /** Set when the demo started its own server: stops it. */
  stop?: () => void;
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}


function serverBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = require('node:fs').readdirSync(base).filter((v: string) => existsSync(path.join(base, v, 'bin', 'initdb')));
  versions.sort((a: string, b: string) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

function run(cmd: string, args: string[], asPostgres: boolean): void {
  const result = asPostgres ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path.basename(cmd)} failed: ${(result.stderr || result.stdout || '').trim().split('\n').pop()}`);
}

export async function demoPostgres(demoDir: string, env = process.env): Promise<DemoServer> {
  const url = env.DEMO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await answers(url)) return { url };
  const bin = serverBinDir();
  if (!bin) {
    throw new MmBackupError({
      step: 'demo-postgres',
      code: 'DEMO_NO_POSTGRES',
      message: `no PostgreSQL answers at ${url.replace(/:[^:@/]*@/, ':***@')} and no PostgreSQL server binaries are installed`,
      fix: 'start PostgreSQL, set DEMO_PG_URL to one that runs, or install the postgresql package',
      exitCode: ExitCode.usage,
    });
  }
  const asPostgres = process.getuid?.() === 0;
  const dataDir = path.join(demoDir, 'postgres');
  const port = await freePort();
  await fs.mkdir(dataDir, { recursive: true });
  if (asPostgres) spawnSync('chown', ['-R', 'postgres:postgres', dataDir]);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], asPostgres);
  run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`, 'start'], asPostgres);
  const privateUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return { url: privateUrl, stop: () => run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', 'stop'], asPostgres) };
}
