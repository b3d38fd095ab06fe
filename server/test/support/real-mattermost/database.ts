/** A fresh PostgreSQL database per server, on the local test PostgreSQL (127.0.0.1:5432, user postgres). */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 };

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(ADMIN);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${ADMIN.host}:${ADMIN.port} refused user ${ADMIN.user} (${(err as Error).message}): start it (.ci/run does) and let user postgres connect from 127.0.0.1`, { cause: err });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a name no other test uses, and returns the name. */
export async function createDatabase(prefix = 'mmbackup_mm'): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  return name;
}

/** Drops it, closing whatever connections the server left open. */
export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

export async function databaseExists(name: string): Promise<boolean> {
  return withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/** The SqlSettings.DataSource Mattermost connects with (trust authentication on the loopback: no password). */
export function dataSourceFor(name: string): string {
  return `postgres://${ADMIN.user}@${ADMIN.host}:${ADMIN.port}/${name}?sslmode=disable&connect_timeout=10`;
}
