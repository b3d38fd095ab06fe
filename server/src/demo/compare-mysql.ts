/**
 * The MySQL/MariaDB side of compareDatabases(). MySQL has no row-to-text cast, so a row's text is built per
 * column: strings, blobs, enums and JSON as HEX of their bytes (exact, whatever the charset), numbers and
 * dates as their canonical CAST(... AS CHAR), NULL as '~' (which neither form can produce).
 */
import type mysql from 'mysql2/promise';
import { openMysql, type DbEndpoint } from './db-endpoint';
import type { DatabaseInventory, DbInspector, TableDigest } from './db-inspector';

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

const BYTE_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'binary', 'varbinary',
  'tinyblob', 'blob', 'mediumblob', 'longblob', 'enum', 'set', 'json']);

const TABLES_SQL = `
SELECT t.TABLE_NAME AS name,
  CONCAT('engine ', IFNULL(t.ENGINE, '?'), ', collation ', IFNULL(t.TABLE_COLLATION, '?'), ', ',
    GROUP_CONCAT(CONCAT(c.COLUMN_NAME, ' ', c.COLUMN_TYPE, IF(c.IS_NULLABLE = 'NO', ' NOT NULL', ''),
      IFNULL(CONCAT(' DEFAULT ', c.COLUMN_DEFAULT), ''), IFNULL(CONCAT(' COLLATE ', c.COLLATION_NAME), ''),
      IF(c.EXTRA <> '', CONCAT(' ', c.EXTRA), '')) ORDER BY c.ORDINAL_POSITION SEPARATOR ', ')) AS def
FROM information_schema.TABLES t
JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
GROUP BY t.TABLE_NAME, t.ENGINE, t.TABLE_COLLATION`;

const COLUMN_TYPES_SQL = `
SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS type FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const PRIMARY_KEYS_SQL = `
SELECT TABLE_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX`;

const AUTO_INCREMENT_SQL = `
SELECT TABLE_NAME AS name, CONCAT('AUTO_INCREMENT ', AUTO_INCREMENT) AS def FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL`;

const INDEXES_SQL = `
SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME) AS name,
  CONCAT(IF(NON_UNIQUE = 0, 'UNIQUE ', ''), INDEX_TYPE, ' (',
    GROUP_CONCAT(CONCAT(COLUMN_NAME, IFNULL(CONCAT('(', SUB_PART, ')'), ''), IFNULL(CONCAT(' ', COLLATION), ''))
      ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')') AS def
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE`;

const FOREIGN_KEYS_SQL = `
SELECT CONCAT(rc.TABLE_NAME, '.', rc.CONSTRAINT_NAME) AS name,
  CONCAT('FOREIGN KEY (', GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), ') REFERENCES ',
    rc.REFERENCED_TABLE_NAME, ' (', GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '),
    ') ON UPDATE ', rc.UPDATE_RULE, ' ON DELETE ', rc.DELETE_RULE) AS def
FROM information_schema.REFERENTIAL_CONSTRAINTS rc
JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
  AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
WHERE rc.CONSTRAINT_SCHEMA = DATABASE()
GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE`;

/** MariaDB names the table in CHECK_CONSTRAINTS (its JSON columns carry json_valid checks); MySQL 8 does not. */
const CHECKS_SQL = [
  `SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) AS name, CONCAT('CHECK ', CHECK_CLAUSE) AS def
   FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`,
  `SELECT CONCAT(tc.TABLE_NAME, '.', cc.CONSTRAINT_NAME) AS name, CONCAT('CHECK ', cc.CHECK_CLAUSE) AS def
   FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc
     ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
   WHERE cc.CONSTRAINT_SCHEMA = DATABASE()`,
];

const OBJECTS_SQL = `
SELECT CONCAT('view ', TABLE_NAME) AS name, VIEW_DEFINITION AS def FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT CONCAT('trigger ', TRIGGER_NAME), CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ON ', EVENT_OBJECT_TABLE, ': ', ACTION_STATEMENT)
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME), MD5(ROUTINE_DEFINITION) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`;

class MysqlInspector implements DbInspector {
  private rowText = new Map<string, string>();

  constructor(private readonly conn: mysql.Connection) {}

  private async named(sql: string): Promise<Map<string, string>> {
    const [rows] = await this.conn.query(sql);
    return new Map((rows as Array<{ name: string; def: string }>).map((r) => [r.name, String(r.def)]));
  }

  private async checks(): Promise<Map<string, string>> {
    try {
      return await this.named(CHECKS_SQL[0]);
    } catch {
      return this.named(CHECKS_SQL[1]);
    }
  }

  /** CONCAT_WS of every column's exact text, per table, remembered for the digest queries. */
  private async loadRowText(): Promise<void> {
    const [rows] = await this.conn.query(COLUMN_TYPES_SQL);
    const perTable = new Map<string, string[]>();
    for (const r of rows as Array<{ t: string; c: string; type: string }>) {
      const expr = BYTE_TYPES.has(r.type.toLowerCase()) ? `HEX(t.${q(r.c)})` : `CAST(t.${q(r.c)} AS CHAR)`;
      perTable.set(r.t, [...(perTable.get(r.t) ?? []), `IFNULL(${expr}, '~')`]);
    }
    for (const [t, exprs] of perTable) this.rowText.set(t, `MD5(CONCAT_WS(',', ${exprs.join(', ')}))`);
  }

  async inventory(): Promise<DatabaseInventory> {
    await this.loadRowText();
    const [pkRows] = await this.conn.query(PRIMARY_KEYS_SQL);
    const primaryKeys = new Map<string, string[]>();
    for (const r of pkRows as Array<{ name: string; col: string }>) primaryKeys.set(r.name, [...(primaryKeys.get(r.name) ?? []), q(r.col)]);
    return {
      tables: await this.named(TABLES_SQL),
      primaryKeys,
      sequences: await this.named(AUTO_INCREMENT_SQL),
      indexes: await this.named(INDEXES_SQL),
      constraints: new Map([...(await this.named(FOREIGN_KEYS_SQL)), ...(await this.checks())]),
      objects: await this.named(OBJECTS_SQL),
    };
  }

  async tableDigest(table: string): Promise<TableDigest> {
    const [rows] = await this.conn.query(
      `SELECT COUNT(*) AS n,
              IFNULL(SUM(CAST(CONV(SUBSTR(h, 1, 15), 16, 10) AS UNSIGNED)), 0) AS s1,
              IFNULL(SUM(CAST(CONV(SUBSTR(h, 16, 15), 16, 10) AS UNSIGNED)), 0) AS s2
       FROM (SELECT ${this.rowText.get(table)} AS h FROM ${q(table)} t) x`);
    const r = (rows as Array<{ n: string; s1: string; s2: string }>)[0];
    return { rows: Number(r.n), hash: `${r.s1}:${r.s2}` };
  }

  async rowHashes(table: string, primaryKey: string[]): Promise<Map<string, string>> {
    const key = primaryKey.map((c) => `t.${c}`).join(', ');
    const [rows] = await this.conn.query(`SELECT CONCAT_WS(', ', ${key}) AS k, ${this.rowText.get(table)} AS h FROM ${q(table)} t`);
    return new Map((rows as Array<{ k: string; h: string }>).map((r) => [String(r.k), r.h]));
  }

  close(): Promise<void> {
    return this.conn.end();
  }
}

export async function openMysqlInspector(endpoint: DbEndpoint): Promise<DbInspector> {
  const conn = await openMysql(endpoint);
  // Definitions are GROUP_CONCATs: the 1 KB default would truncate them silently.
  await conn.query('SET SESSION group_concat_max_len = 16777216');
  // MySQL 8 caches information_schema statistics (AUTO_INCREMENT among them); MariaDB has no such variable.
  await conn.query('SET SESSION information_schema_stats_expiry = 0').catch(() => undefined);
  return new MysqlInspector(conn);
}
