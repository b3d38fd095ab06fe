/**
 * The PostgreSQL bulk loader for posts and their reactions: rows are made server-side by
 * `INSERT ... SELECT ... FROM generate_series()`, so millions of ~300-byte posts cost no client round trips
 * and no parameter encoding (pg-copy-streams is not available, and this is faster than a client COPY anyway).
 *
 * Randomness comes from md5 of (seed, label, post number), so the result is deterministic for a seed and does
 * not depend on chunking. Ids are md5 hex digits mapped onto the first 16 letters of Mattermost's id alphabet
 * (see hashedId() in ./random): 26 characters, valid, and disjoint in practice from the JavaScript ids.
 */
import type { SqlRunner } from './row-writer';
import { type DemoDirectory, EPOCH_MS } from './rows-people';
import { EMOJI_NAMES, MESSAGE_FRAGMENTS } from './text';
import { postStep } from './rows-content';

const HEX_TO_ID = `'0123456789abcdef', 'ybndrfg8ejkmcpqx'`;
const idOf = (label: string, n: string) => `translate(substr(md5($1::text || ':${label}:' || ${n}), 1, 26), ${HEX_TO_ID})`;

/** 1 to 8 fragments per message (bytes 2..10 of `b`), about 68 bytes each: about 300 bytes on average. */
function messageSql(): string {
  const nf = MESSAGE_FRAGMENTS.length;
  const slot = (byte: number) => `($7::text[])[1 + get_byte(b, ${byte}) % ${nf}]`;
  let sql = slot(2);
  for (let k = 1; k < 8; k++) sql += `\n      || CASE WHEN 1 + get_byte(b, 3) % 8 > ${k} THEN ' ' || ${slot(3 + k)} ELSE '' END`;
  return sql;
}

const PROPS_SQL = `CASE get_byte(c, 6) % 16
      WHEN 0 THEN '{"disable_group_highlight": true, "note": "ünïcødé ✓ \\"quoted\\""}'::jsonb
      WHEN 1 THEN jsonb_build_object('from_webhook', 'true', 'override_username', 'CI 🤖',
        'attachments', jsonb_build_array(jsonb_build_object('title', 'Build #' || i, 'color', '#36a64f', 'text', ($7::text[])[1 + get_byte(c, 8) % ${MESSAGE_FRAGMENTS.length}])))
      WHEN 2 THEN '{"nested": {"list": [1, 2.5, null, "x\\\\y"], "empty": {}}}'::jsonb
      ELSE '{}'::jsonb END`;

/** Column expressions over the CTE `p` (i, root, ch, at, editat, deleteat, b, c); same order as the schema. */
function postColumnsSql(): Record<string, string> {
  return {
    id: idOf('id', 'i'),
    createat: 'at',
    updateat: 'greatest(at, editat, deleteat)',
    editat: 'editat',
    deleteat: 'deleteat',
    ispinned: 'get_byte(c, 2) = 0',
    userid: '($6::text[])[($4::int[])[ch] + (get_byte(b, 0) * 256 + get_byte(b, 1)) % ($5::int[])[ch]]',
    channelid: '($3::text[])[ch]',
    rootid: `CASE WHEN root = i THEN '' ELSE ${idOf('id', 'root')} END`,
    originalid: `''`,
    message: `CASE WHEN get_byte(c, 7) < 3 THEN 'sysadmin joined the channel.' ELSE ${messageSql()} END`,
    type: `CASE WHEN get_byte(c, 7) < 3 THEN 'system_join_channel' ELSE '' END`,
    props: PROPS_SQL,
    hashtags: `CASE WHEN get_byte(c, 5) < 13 THEN '#release #backup' ELSE '' END`,
    filenames: `'[]'`,
    fileids: `'[]'`,
    hasreactions: 'get_byte(c, 3) < 20',
    remoteid: `CASE WHEN get_byte(c, 4) < 5 THEN ${idOf('remote', 'i')} END`,
  };
}

/**
 * The statement for one chunk. Parameters: $1 seed, $2 [from, to], $3 channel ids, $4 member offsets
 * (1-based, per channel), $5 member counts, $6 members, $7 fragments, $8 emoji names, $9 user ids.
 */
function chunkSql(channels: number, users: number, step: number): string {
  const columns = postColumnsSql();
  return `WITH src AS (
  SELECT i, CASE WHEN i % 5 >= 3 AND i > 5 THEN i - i % 5 ELSE i END AS root,
         decode(md5($1::text || ':post:' || i), 'hex') AS b, decode(md5($1::text || ':flag:' || i), 'hex') AS c
  FROM generate_series(($2::bigint[])[1], ($2::bigint[])[2]) AS i
), p AS (
  SELECT src.*, (1 + (root * 2654435761) % 4294967296 % ${channels})::int AS ch, ${EPOCH_MS}::bigint + i * ${step} AS at,
         CASE WHEN get_byte(c, 1) < 20 THEN ${EPOCH_MS}::bigint + i * ${step} + 60000 ELSE 0 END AS editat,
         CASE WHEN get_byte(c, 0) < 3 THEN ${EPOCH_MS}::bigint + i * ${step} + 120000 ELSE 0 END AS deleteat
  FROM src
), ins AS (
  INSERT INTO posts (${Object.keys(columns).join(', ')})
  SELECT ${Object.values(columns).join(',\n    ')}
  FROM p
  RETURNING id, channelid, createat, hasreactions
)
INSERT INTO reactions (userid, postid, emojiname, createat, updateat, deleteat, remoteid, channelid)
SELECT ($9::text[])[1 + (get_byte(d, 0) + k * 37) % ${users}], ins.id, ($8::text[])[1 + (get_byte(d, 1) + k) % ${EMOJI_NAMES.length}],
       ins.createat + 1000 * (k + 1), ins.createat + 1000 * (k + 1), 0, NULL, ins.channelid
FROM ins CROSS JOIN LATERAL (SELECT decode(md5(ins.id), 'hex') AS d) z
CROSS JOIN LATERAL generate_series(0, get_byte(z.d, 2) % 3) AS k
WHERE ins.hasreactions`;
}

/** Rows per statement: large enough to be efficient, small enough to report progress every second or so. */
const CHUNK = 100_000;

/**
 * Inserts bulk posts 1..count (and their reactions) into `posts`/`reactions`, calling onRows after each chunk.
 * The caller has created the tables; secondary indexes are best created afterwards.
 */
export async function loadPostgresPosts(db: SqlRunner, seed: number, dir: DemoDirectory, count: number,
  onRows?: (n: number) => void): Promise<void> {
  const offsets: number[] = [];
  const members: string[] = [];
  for (const ch of dir.channels) {
    offsets.push(members.length + 1);
    members.push(...ch.members);
  }
  const sql = chunkSql(dir.channels.length, dir.userIds.length, postStep(count));
  const fixed = [dir.channels.map((c) => c.id), offsets, dir.channels.map((c) => c.members.length), members,
    MESSAGE_FRAGMENTS, EMOJI_NAMES, dir.userIds];
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    await db.exec(sql, [String(seed), [from, to], ...fixed]);
    onRows?.(to - from + 1);
  }
}
