/**
 * What a server shows of the data set, read the way its users and admin read it: everyone logs in with
 * their password, then reads teams, channels, posts, replies, reactions, the custom emoji, every attachment
 * with its thumbnail and preview (as SHA-256 of the downloaded bytes), the plugins, the settings, and the
 * database's Systems.Version and migration level. Two servers serve the same data when these are equal.
 */
import { Client } from 'pg';
import { call, download, login } from './api';
import { pluginRunning, type Built } from './data-builder';

export async function observe(url: string, built: Built, database: string): Promise<Record<string, unknown>> {
  const admin = await login(url, built.admin.username, built.admin.password);
  const alice = await login(url, built.alice.username, built.alice.password);
  await login(url, built.bob.username, built.bob.password);

  const teams = (await call<Array<{ name: string }>>(url, 'GET', '/users/me/teams', alice.token)).map((t) => t.name).sort();
  const channels = (await call<Array<{ name: string; type: string }>>(url, 'GET', `/users/me/teams/${built.team.id}/channels`, alice.token)).map((c) => `${c.type}:${c.name}`).sort();
  const dm = await call(url, 'GET', `/channels/${built.channels[2].id}`, alice.token);

  const posts: Record<string, unknown> = {};
  for (const id of built.posts) {
    const p = await call(url, 'GET', `/posts/${id}`, alice.token);
    const reactions = (await call<Array<{ user_id: string; emoji_name: string }> | null>(url, 'GET', `/posts/${id}/reactions`, alice.token)) ?? [];
    posts[id] = { message: p.message, root_id: p.root_id, user_id: p.user_id, channel_id: p.channel_id, file_ids: p.file_ids ?? [], reactions: reactions.map((r) => `${r.user_id}:${r.emoji_name}`).sort() };
  }

  const files: Record<string, unknown> = {};
  for (const f of built.files) {
    const info = await call(url, 'GET', `/files/${f.id}/info`, alice.token);
    files[f.id] = {
      name: info.name,
      size: info.size,
      mime: info.mime_type,
      hasPreview: info.has_preview_image,
      content: await download(url, `/files/${f.id}`, alice.token),
      thumbnail: f.image ? await download(url, `/files/${f.id}/thumbnail`, alice.token) : null,
      preview: f.image ? await download(url, `/files/${f.id}/preview`, alice.token) : null,
    };
  }

  const emoji = await call(url, 'GET', `/emoji/name/${built.emoji.name}`, alice.token);
  const running = await pluginRunning(url, admin.token, built.pluginId);
  const plugins = await call<{ active: Array<{ id: string }>; inactive: Array<{ id: string }> }>(url, 'GET', '/plugins', admin.token);
  const config = await call(url, 'GET', '/config', admin.token);
  const ping = await call(url, 'GET', '/system/ping?get_server_status=true', admin.token);
  return {
    teams,
    channels,
    dm: { type: dm.type, name: dm.name },
    posts,
    files,
    emoji: { id: emoji.id, name: emoji.name, creator: emoji.creator_id, image: await download(url, `/emoji/${emoji.id}/image`, alice.token) },
    plugin: { running, active: plugins.active.some((p) => p.id === built.pluginId), enabledInConfig: config.PluginSettings.PluginStates?.[built.pluginId]?.Enable === true },
    settings: { siteName: config.TeamSettings.SiteName, customEmoji: config.ServiceSettings.EnableCustomEmoji, samlPublicCertificate: config.SamlSettings.PublicCertificateFile },
    health: { status: ping.status, database: ping.database_status, filestore: ping.filestore_status },
    versions: await schemaLevel(database),
  };
}

/** Systems.Version and the highest applied migration, read from the database itself. */
export async function schemaLevel(database: string): Promise<{ version: string; migration: number }> {
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await client.connect();
  try {
    const version = await client.query("SELECT value FROM systems WHERE name = 'Version'");
    const migration = await client.query('SELECT max(version) AS v FROM db_migrations');
    return { version: version.rows[0]?.value, migration: Number(migration.rows[0]?.v) };
  } finally {
    await client.end();
  }
}
