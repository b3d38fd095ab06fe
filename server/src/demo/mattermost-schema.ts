/**
 * A Mattermost-shaped schema, described once and rendered for both databases, so the PostgreSQL and the
 * MySQL/MariaDB installations have the same tables and columns and the row generators serve both.
 *
 * Names follow Mattermost: CamelCase tables and columns on MySQL (`ChannelMembers.ChannelId`), the same names
 * lower-cased on PostgreSQL (`channelmembers.channelid`), because Mattermost creates them unquoted there.
 * Beyond Mattermost's own shape, the schema carries what a faithful restore must keep and what Mattermost
 * rarely uses: foreign keys (with ON DELETE CASCADE), enum types, a serial/AUTO_INCREMENT column with gaps,
 * a standalone sequence (PostgreSQL), bytea/longblob columns and a full-text index.
 */

export type Dialect = 'postgres' | 'mysql';

/** Logical column types; see SQL_TYPES for how each is rendered. */
type LogicalType = 'id' | 'bigint' | 'int' | 'bool' | 'json' | 'text' | 'bytes' | 'serial' | string;

export interface ColumnSpec {
  /** CamelCase, as on MySQL. */
  name: string;
  type: LogicalType;
  nullable: boolean;
  default?: string;
}

export interface IndexSpec {
  name: string;
  columns: string[];
  unique?: boolean;
  /** A full-text index: GIN over to_tsvector on PostgreSQL, FULLTEXT on MySQL. */
  fullText?: boolean;
}

export interface ForeignKeySpec {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete?: 'CASCADE';
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  indexes: IndexSpec[];
  foreignKeys: ForeignKeySpec[];
}

/** Enum types (PostgreSQL CREATE TYPE; inline ENUM on MySQL), as Mattermost declares them. */
export const ENUMS: Record<string, string[]> = {
  channel_type: ['P', 'G', 'O', 'D'],
  team_type: ['I', 'O'],
};

/** A standalone sequence (PostgreSQL only): proves sequence state survives when no column owns it. */
export const STANDALONE_SEQUENCE = { name: 'demo_ticket_seq', start: 1000, increment: 7 };

/** Column DSL: "Name:type", "Name:type?" (nullable), "Name:type=default". */
function cols(...defs: string[]): ColumnSpec[] {
  return defs.map((def) => {
    const m = /^(\w+):([\w(),]+)(\?)?(?:=(.+))?$/.exec(def);
    if (!m) throw new Error(`bad column definition ${def}`);
    return { name: m[1], type: m[2], nullable: m[3] === '?', default: m[4] };
  });
}

function table(name: string, columns: ColumnSpec[], primaryKey: string[], rest: Partial<TableSpec> = {}): TableSpec {
  return { name, columns, primaryKey, indexes: rest.indexes ?? [], foreignKeys: rest.foreignKeys ?? [] };
}

const fk = (name: string, columns: string, refTable: string, onDelete?: 'CASCADE'): ForeignKeySpec => ({
  name, columns: [columns], refTable, refColumns: ['Id'], onDelete,
});

/** The tables, in an order where every foreign key points to an earlier table. */
export const TABLES: readonly TableSpec[] = [
  table('Teams', cols('Id:id', 'CreateAt:bigint', 'UpdateAt:bigint', 'DeleteAt:bigint', 'DisplayName:varchar(64)',
    'Name:varchar(64)', 'Description:varchar(255)', 'Email:varchar(128)', 'Type:enum(team_type)',
    'CompanyName:varchar(64)', 'AllowedDomains:varchar(1000)', 'InviteId:varchar(32)', 'SchemeId:id?',
    'AllowOpenInvite:bool', 'LastTeamIconUpdate:bigint', 'GroupConstrained:bool?', 'CloudLimitsArchived:bool=false'),
  ['Id'], { indexes: [{ name: 'idx_teams_name', columns: ['Name'], unique: true }, { name: 'idx_teams_invite_id', columns: ['InviteId'] }] }),

  table('Users', cols('Id:id', 'CreateAt:bigint', 'UpdateAt:bigint', 'DeleteAt:bigint', 'Username:varchar(64)',
    'Password:varchar(128)', 'AuthData:varchar(128)?', 'AuthService:varchar(32)', 'Email:varchar(128)',
    'EmailVerified:bool', 'Nickname:varchar(64)', 'FirstName:varchar(64)', 'LastName:varchar(64)',
    'Position:varchar(128)', 'Roles:varchar(256)', 'AllowMarketing:bool', 'Props:json', 'NotifyProps:json',
    'LastPasswordUpdate:bigint', 'LastPictureUpdate:bigint', 'FailedAttempts:int', 'Locale:varchar(5)',
    'Timezone:json', 'MfaActive:bool', 'MfaSecret:varchar(128)', 'RemoteId:id?', 'LastLogin:bigint=0'),
  ['Id'], { indexes: [{ name: 'idx_users_username', columns: ['Username'], unique: true },
    { name: 'idx_users_email', columns: ['Email'], unique: true }, { name: 'idx_users_update_at', columns: ['UpdateAt'] }] }),

  table('TeamMembers', cols('TeamId:id', 'UserId:id', 'Roles:varchar(256)', 'DeleteAt:bigint', 'SchemeUser:bool',
    'SchemeAdmin:bool', 'SchemeGuest:bool', 'CreateAt:bigint=0'),
  ['TeamId', 'UserId'], { indexes: [{ name: 'idx_teammembers_user_id', columns: ['UserId'] }],
    foreignKeys: [fk('fk_teammembers_team', 'TeamId', 'Teams'), fk('fk_teammembers_user', 'UserId', 'Users')] }),

  table('Channels', cols('Id:id', 'CreateAt:bigint', 'UpdateAt:bigint', 'DeleteAt:bigint', 'TeamId:id',
    'Type:enum(channel_type)', 'DisplayName:varchar(64)', 'Name:varchar(64)', 'Header:varchar(1024)',
    'Purpose:varchar(250)', 'LastPostAt:bigint', 'TotalMsgCount:bigint', 'ExtraUpdateAt:bigint', 'CreatorId:id',
    'SchemeId:id?', 'GroupConstrained:bool?', 'Shared:bool?', 'TotalMsgCountRoot:bigint', 'LastRootPostAt:bigint=0'),
  ['Id'], { indexes: [{ name: 'idx_channels_team_id_name', columns: ['TeamId', 'Name'], unique: true },
    { name: 'idx_channels_update_at', columns: ['UpdateAt'] }] }),

  table('ChannelMembers', cols('ChannelId:id', 'UserId:id', 'Roles:varchar(256)', 'LastViewedAt:bigint',
    'MsgCount:bigint', 'MentionCount:bigint', 'NotifyProps:json', 'LastUpdateAt:bigint', 'SchemeUser:bool',
    'SchemeAdmin:bool', 'SchemeGuest:bool', 'MentionCountRoot:bigint', 'MsgCountRoot:bigint', 'UrgentMentionCount:bigint'),
  ['ChannelId', 'UserId'], { indexes: [{ name: 'idx_channelmembers_user_id_channel_id_last_viewed_at', columns: ['UserId', 'ChannelId', 'LastViewedAt'] }],
    foreignKeys: [fk('fk_channelmembers_channel', 'ChannelId', 'Channels', 'CASCADE'), fk('fk_channelmembers_user', 'UserId', 'Users')] }),

  table('Posts', cols('Id:id', 'CreateAt:bigint', 'UpdateAt:bigint', 'EditAt:bigint', 'DeleteAt:bigint',
    'IsPinned:bool', 'UserId:id', 'ChannelId:id', 'RootId:id', 'OriginalId:id', 'Message:text', 'Type:varchar(26)',
    'Props:json', 'Hashtags:varchar(1000)', 'Filenames:varchar(4000)', 'FileIds:varchar(300)', 'HasReactions:bool',
    'RemoteId:id?'),
  ['Id'], { indexes: [
    { name: 'idx_posts_channel_id_delete_at_create_at', columns: ['ChannelId', 'DeleteAt', 'CreateAt'] },
    { name: 'idx_posts_channel_id_update_at', columns: ['ChannelId', 'UpdateAt'] },
    { name: 'idx_posts_root_id_delete_at', columns: ['RootId', 'DeleteAt'] },
    { name: 'idx_posts_create_at', columns: ['CreateAt'] },
    { name: 'idx_posts_user_id', columns: ['UserId'] },
    { name: 'idx_posts_message_txt', columns: ['Message'], fullText: true }],
  foreignKeys: [fk('fk_posts_channel', 'ChannelId', 'Channels'), fk('fk_posts_user', 'UserId', 'Users')] }),

  table('FileInfo', cols('Id:id', 'CreatorId:id', 'PostId:id', 'ChannelId:id', 'CreateAt:bigint', 'UpdateAt:bigint',
    'DeleteAt:bigint', 'Path:varchar(512)', 'ThumbnailPath:varchar(512)', 'PreviewPath:varchar(512)',
    'Name:varchar(256)', 'Extension:varchar(64)', 'Size:bigint', 'MimeType:varchar(256)', 'Width:int', 'Height:int',
    'HasPreviewImage:bool', 'MiniPreview:bytes?', 'Content:text', 'RemoteId:id?', 'Archived:bool=false'),
  ['Id'], { indexes: [{ name: 'idx_fileinfo_postid_at', columns: ['PostId'] },
    { name: 'idx_fileinfo_channel_id_create_at', columns: ['ChannelId', 'CreateAt'] }] }),

  table('Reactions', cols('UserId:id', 'PostId:id', 'EmojiName:varchar(64)', 'CreateAt:bigint', 'UpdateAt:bigint',
    'DeleteAt:bigint', 'RemoteId:id?', 'ChannelId:id'),
  ['PostId', 'UserId', 'EmojiName'], { indexes: [{ name: 'idx_reactions_channel_id', columns: ['ChannelId'] }],
    foreignKeys: [fk('fk_reactions_post', 'PostId', 'Posts', 'CASCADE')] }),

  table('Preferences', cols('UserId:id', 'Category:varchar(32)', 'Name:varchar(32)', 'Value:text'),
    ['UserId', 'Category', 'Name'], { indexes: [{ name: 'idx_preferences_category', columns: ['Category'] }] }),

  table('Sessions', cols('Id:id', 'Token:id', 'CreateAt:bigint', 'ExpiresAt:bigint', 'LastActivityAt:bigint',
    'UserId:id', 'DeviceId:varchar(512)', 'Roles:varchar(256)', 'IsOAuth:bool', 'Props:json', 'ExpiredNotify:bool'),
  ['Id'], { indexes: [{ name: 'idx_sessions_user_id', columns: ['UserId'] }, { name: 'idx_sessions_token', columns: ['Token'] }],
    foreignKeys: [fk('fk_sessions_user', 'UserId', 'Users', 'CASCADE')] }),

  table('Systems', cols('Name:varchar(64)', 'Value:varchar(1024)'), ['Name']),
  table('db_migrations', cols('Version:bigint', 'Name:varchar(255)'), ['Version']),
  table('Configurations', cols('Id:id', 'Value:text', 'CreateAt:bigint', 'Active:bool?'), ['Id'],
    { indexes: [{ name: 'idx_configurations_active', columns: ['Active'], unique: true }] }),
  table('ConfigurationFiles', cols('Name:varchar(64)', 'Data:text', 'CreateAt:bigint', 'UpdateAt:bigint'), ['Name']),
  table('PluginKeyValueStore', cols('PluginId:varchar(190)', 'PKey:varchar(150)', 'PValue:bytes?', 'ExpireAt:bigint=0'),
    ['PluginId', 'PKey']),
  table('Jobs', cols('Id:id', 'Type:varchar(32)', 'Priority:bigint', 'CreateAt:bigint', 'StartAt:bigint',
    'LastActivityAt:bigint', 'Status:varchar(32)', 'Progress:bigint', 'Data:json?'),
  ['Id'], { indexes: [{ name: 'idx_jobs_status_type', columns: ['Status', 'Type'] }] }),

  // Not a Mattermost table: the one serial/AUTO_INCREMENT column, with deleted rows leaving gaps.
  table('EventLog', cols('Seq:serial', 'UserId:id', 'Action:varchar(64)', 'Detail:text', 'CreateAt:bigint'), ['Seq']),
];

export function tableSpec(name: string): TableSpec {
  const spec = TABLES.find((t) => t.name === name);
  if (!spec) throw new Error(`no table ${name} in the demo schema`);
  return spec;
}

/** The table or column name as the dialect spells it. */
export function sqlName(dialect: Dialect, name: string): string {
  return dialect === 'postgres' ? name.toLowerCase() : name;
}

/** A quoted identifier (the names above never need quoting, but database names might). */
export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'postgres' ? `"${name.replace(/"/g, '""')}"` : `\`${name.replace(/`/g, '``')}\``;
}

function columnType(dialect: Dialect, type: LogicalType): string {
  const pg = dialect === 'postgres';
  const enumName = /^enum\((\w+)\)$/.exec(type)?.[1];
  if (enumName) return pg ? enumName : `enum(${ENUMS[enumName].map((v) => `'${v}'`).join(',')})`;
  switch (type) {
    case 'id': return 'varchar(26)';
    case 'bool': return pg ? 'boolean' : 'tinyint(1)';
    case 'json': return pg ? 'jsonb' : 'json';
    case 'text': return pg ? 'text' : 'mediumtext';
    case 'bytes': return pg ? 'bytea' : 'longblob';
    case 'serial': return pg ? 'bigserial' : 'bigint NOT NULL AUTO_INCREMENT';
    default: return type; // bigint, int, varchar(n)
  }
}

function columnSql(dialect: Dialect, c: ColumnSpec): string {
  let sql = `${sqlName(dialect, c.name)} ${columnType(dialect, c.type)}`;
  if (c.type !== 'serial') sql += c.nullable ? '' : ' NOT NULL';
  if (c.default !== undefined) sql += ` DEFAULT ${c.default}`;
  return sql;
}

/** CREATE TYPE / CREATE SEQUENCE statements that must run before the tables (PostgreSQL only). */
export function preambleSql(dialect: Dialect): string[] {
  if (dialect !== 'postgres') return [];
  const s = STANDALONE_SEQUENCE;
  return [
    ...Object.entries(ENUMS).map(([name, values]) => `CREATE TYPE ${name} AS ENUM (${values.map((v) => `'${v}'`).join(', ')})`),
    `CREATE SEQUENCE ${s.name} START ${s.start} INCREMENT ${s.increment}`,
  ];
}

/** CREATE TABLE with the primary key only: secondary indexes and foreign keys come after loading. */
export function createTableSql(dialect: Dialect, t: TableSpec): string {
  const lines = t.columns.map((c) => `  ${columnSql(dialect, c)}`);
  lines.push(`  PRIMARY KEY (${t.primaryKey.map((c) => sqlName(dialect, c)).join(', ')})`);
  const suffix = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci' : '';
  return `CREATE TABLE ${sqlName(dialect, t.name)} (\n${lines.join(',\n')}\n)${suffix}`;
}

/** Secondary index statements; built after loading because building an index once beats updating it per row. */
export function indexSql(dialect: Dialect, t: TableSpec): string[] {
  const tbl = sqlName(dialect, t.name);
  return t.indexes.map((ix) => {
    const columns = ix.columns.map((c) => sqlName(dialect, c)).join(', ');
    if (ix.fullText) {
      return dialect === 'postgres'
        ? `CREATE INDEX ${ix.name} ON ${tbl} USING gin (to_tsvector('english', ${columns}))`
        : `CREATE FULLTEXT INDEX ${ix.name} ON ${tbl} (${columns})`;
    }
    return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ix.name} ON ${tbl} (${columns})`;
  });
}

/** ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY statements. */
export function foreignKeySql(dialect: Dialect, t: TableSpec): string[] {
  const n = (c: string) => sqlName(dialect, c);
  return t.foreignKeys.map((f) =>
    `ALTER TABLE ${n(t.name)} ADD CONSTRAINT ${f.name} FOREIGN KEY (${f.columns.map(n).join(', ')}) ` +
    `REFERENCES ${n(f.refTable)} (${f.refColumns.map(n).join(', ')})${f.onDelete ? ` ON DELETE ${f.onDelete}` : ''}`);
}
