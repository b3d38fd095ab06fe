/**
 * When Mattermost keeps its config in the database (MM_CONFIG is a DSN) and that is the database being
 * restored, the dump brings the Configurations rows back too: the active one still names the OLD database
 * in SqlSettings.DataSource, so a new server started on the restored database would quietly connect to
 * the old one (or fail when it is gone). So, like config.json for a file config (./config-rewrite.ts),
 * the active row in the restored database is pointed at the new database and file store.
 */
import type { DbConnection } from '../mattermost/types';
import { withConnection } from '../sources/mysql/connection';
import { withClient } from '../sources/postgres/connection';
import { rewriteConfigObject } from './config-rewrite';

export interface DatabaseConfigRewrite {
  database: string;
  changed: string[];
}

/** Rewrites the active Configurations row of `restored` when it has one; undefined when nothing changed. */
export async function rewriteRestoredDatabaseConfig(restored: DbConnection, installDir: string, targets: { filesDir?: string }): Promise<DatabaseConfigRewrite | undefined> {
  const select = 'SELECT Id AS id, Value AS value FROM Configurations WHERE Active ORDER BY CreateAt DESC LIMIT 1';
  const apply = (value: string): { text: string; changed: string[] } => {
    const config = JSON.parse(value);
    const changed = rewriteConfigObject(config, installDir, { db: restored, filesDir: targets.filesDir });
    return { text: JSON.stringify(config), changed };
  };
  let changed: string[] = [];
  if (restored.driver === 'postgres') {
    await withClient(restored, 'rewrite-config', async (client) => {
      const exists = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'configurations'");
      if (exists.rowCount === 0) return;
      const row = (await client.query(select)).rows[0];
      if (!row) return;
      const next = apply(String(row.value));
      changed = next.changed;
      if (changed.length > 0) await client.query('UPDATE Configurations SET Value = $1 WHERE Id = $2', [next.text, row.id]);
    });
  } else {
    await withConnection(restored, 'rewrite-config', async (c) => {
      const [tables] = (await c.query("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'Configurations'")) as any[];
      if (tables.length === 0) return;
      const [rows] = (await c.query(select)) as any[];
      if (!rows[0]) return;
      const next = apply(String(rows[0].value));
      changed = next.changed;
      if (changed.length > 0) await c.query('UPDATE Configurations SET Value = ? WHERE Id = ?', [next.text, rows[0].id]);
    });
  }
  return changed.length > 0 ? { database: restored.database, changed } : undefined;
}

