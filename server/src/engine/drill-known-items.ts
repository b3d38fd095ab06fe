/**
 * What a booting drill reads back through Mattermost's API: the newest post, and the newest file attached to
 * a post, as the restored database records them. Read straight from the scratch database (which the drill
 * owns) so the check needs nothing from the real server.
 */
import type { DbConnection } from '../mattermost/types';
import { withConnection } from '../sources/mysql/connection';
import { withClient } from '../sources/postgres/connection';

export interface KnownItems {
  postId?: string;
  file?: { id: string; path: string; size: number };
}

const POST = 'SELECT Id AS id FROM Posts WHERE DeleteAt = 0 ORDER BY CreateAt DESC LIMIT 1';
const FILE = "SELECT Id AS id, Path AS path, Size AS size FROM FileInfo WHERE DeleteAt = 0 AND PostId <> '' ORDER BY CreateAt DESC LIMIT 1";

export async function findKnownItems(db: DbConnection): Promise<KnownItems> {
  const rows = db.driver === 'postgres'
    ? await withClient(db, 'drill-boot', async (c) => [(await c.query(POST)).rows, (await c.query(FILE)).rows])
    : await withConnection(db, 'drill-boot', async (c) => [(await c.query(POST))[0], (await c.query(FILE))[0]] as any[][]);
  const [posts, files] = rows as Array<Array<Record<string, unknown>>>;
  const file = files[0];
  return {
    postId: posts[0]?.id as string | undefined,
    file: file ? { id: String(file.id), path: String(file.path), size: Number(file.size) } : undefined,
  };
}
