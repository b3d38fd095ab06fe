/**
 * A Mattermost-shaped MySQL/MariaDB database for the driver tests: CamelCase tables as Mattermost creates
 * them on MySQL, an AUTO_INCREMENT, an index, foreign keys, unicode text, and one view, trigger and stored
 * procedure to exercise the restore swap. Direct SQL helpers bypass the driver under test.
 */
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { sampleData } from '../testing/fixtures';

export const MY_SCHEMA = [
  'CREATE TABLE Users (Id varchar(26) PRIMARY KEY, Username varchar(64) NOT NULL UNIQUE, CreateAt bigint NOT NULL, Props text) DEFAULT CHARSET=utf8mb4',
  'CREATE TABLE Channels (Id varchar(26) PRIMARY KEY, Name varchar(64) NOT NULL, DisplayName text) DEFAULT CHARSET=utf8mb4',
  `CREATE TABLE Posts (Id varchar(26) PRIMARY KEY, UserId varchar(26) NOT NULL, ChannelId varchar(26) NOT NULL, Message text, CreateAt bigint NOT NULL,
     KEY idx_posts_channel_createat (ChannelId, CreateAt),
     CONSTRAINT fk_posts_user FOREIGN KEY (UserId) REFERENCES Users (Id),
     CONSTRAINT fk_posts_channel FOREIGN KEY (ChannelId) REFERENCES Channels (Id)) DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE FileInfo (Id varchar(26) PRIMARY KEY, CreatorId varchar(26), PostId varchar(26), Path text NOT NULL,
     ThumbnailPath text NOT NULL, PreviewPath text NOT NULL, DeleteAt bigint NOT NULL DEFAULT 0) DEFAULT CHARSET=utf8mb4`,
  'CREATE TABLE Systems (Name varchar(64) PRIMARY KEY, Value varchar(1024)) DEFAULT CHARSET=utf8mb4',
  'CREATE TABLE db_migrations (Version bigint PRIMARY KEY, Name varchar(64) NOT NULL) DEFAULT CHARSET=utf8mb4',
  'CREATE TABLE Audits (Seq bigint AUTO_INCREMENT PRIMARY KEY, Action text NOT NULL) DEFAULT CHARSET=utf8mb4',
  'CREATE VIEW ActivePosts AS SELECT p.Id, p.Message, u.Username FROM Posts p JOIN Users u ON u.Id = p.UserId',
  "CREATE TRIGGER audits_tag BEFORE INSERT ON Audits FOR EACH ROW SET NEW.Action = CONCAT('audit: ', NEW.Action)",
  'CREATE PROCEDURE CountPosts(OUT n int) SELECT COUNT(*) INTO n FROM Posts',
];

export async function myAdmin(database?: string): Promise<Connection> {
  return createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database, charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: true });
}

/** Runs `fn` with a root connection on `database`. */
export async function withMy<T>(database: string | undefined, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await myAdmin(database);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function insertAll(c: Connection, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const cols = Object.keys(rows[0]);
  // Column names are case-insensitive in MySQL: sampleData()'s lower-case keys fit the CamelCase columns.
  await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ?`, [rows.map((r) => cols.map((k) => r[k]))]);
}

/** Creates `database` holding sampleData() (plus `extraRows` rows in Audits). */
export async function createMySample(database: string, extraRows = 0): Promise<void> {
  await withMy(undefined, (c) => c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`));
  await withMy(database, async (c) => {
    for (const statement of MY_SCHEMA) await c.query(statement);
    const d = sampleData();
    await insertAll(c, 'Users', d.users);
    await insertAll(c, 'Channels', d.channels);
    await insertAll(c, 'Posts', d.posts);
    await insertAll(c, 'FileInfo', d.fileinfo);
    await insertAll(c, 'Systems', d.systems);
    await insertAll(c, 'db_migrations', d.migrations);
    await c.query(`INSERT INTO Audits (Action) SELECT CONCAT('action ', seq, ' ✓') FROM seq_1_to_${10 + extraRows}`);
  });
}

/** Every row of every base table, ordered, as JSON: what "the same data" means in the tests. */
export async function myContents(database: string): Promise<Record<string, unknown[]>> {
  return withMy(database, async (c) => {
    const [tables] = await c.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
      [database],
    );
    const out: Record<string, unknown[]> = {};
    for (const { t } of tables) out[t] = (await c.query<RowDataPacket[]>(`SELECT * FROM \`${t}\` ORDER BY 1`))[0];
    return out;
  });
}

export async function dropMy(database: string): Promise<void> {
  await withMy(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${database}\``));
}

/** Databases whose names start with `prefix`: the restore's staging and "old" databases must not linger. */
export async function databasesLike(prefix: string): Promise<string[]> {
  return withMy(undefined, async (c) => {
    const [rows] = await c.query<RowDataPacket[]>('SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${prefix}%`]);
    return rows.map((r) => String(r.s));
  });
}
