/**
 * Real data, made the way users and admins make it: through Mattermost's API, never by writing tables. So
 * Mattermost itself writes every row, the file store (attachments, their thumbnails and previews), the
 * custom emoji image, the plugin bundle and its unpacked directories, and the config (and SAML certificate
 * file) it saves when settings change.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { call, login, sha256, upload, type Session } from './api';
import { makeJpeg, makePng } from './images';
import { buildProjectPlugin } from './plugin';

export interface Person {
  id: string;
  username: string;
  password: string;
}

export interface Built {
  admin: Person;
  alice: Person;
  bob: Person;
  team: { id: string; name: string };
  channels: Array<{ id: string; name: string; type: 'O' | 'P' | 'D' }>;
  posts: string[];
  files: Array<{ id: string; name: string; sha256: string; image: boolean }>;
  emoji: { id: string; name: string };
  pluginId: string;
  siteName: string;
  /** The SAML public certificate uploaded through the API, when this edition takes it; else written beside config.json. */
  samlCertificate: { viaApi: boolean; file: string; sha256: string };
}

function credentials(name: string): Omit<Person, 'id'> & { email: string } {
  return { username: name, password: `Pw-${name}-${Math.random().toString(36).slice(2, 10)}!`, email: `${name}@example.com` };
}

async function createPerson(url: string, name: string, adminToken?: string): Promise<Person> {
  const c = credentials(name);
  const user = await call(url, 'POST', '/users', adminToken, c);
  return { id: user.id, username: c.username, password: c.password };
}

async function attach(s: Session, channelId: string, name: string, bytes: Buffer, type: string): Promise<string> {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', new Blob([new Uint8Array(bytes)], { type }), name);
  const answer = await upload<{ file_infos: Array<{ id: string }> }>(s.url, '/files', s.token, form);
  return answer.file_infos[0].id;
}

/** Builds the data set on the server at `url`, whose first user (the admin) is created here. */
export async function buildData(url: string, workDir: string, configDir?: string): Promise<Built> {
  const admin = await createPerson(url, 'sysadmin'); // the first user of a server becomes its system admin
  const root = await login(url, admin.username, admin.password);
  const alice = await createPerson(url, 'alice', root.token);
  const bob = await createPerson(url, 'bob', root.token);

  // Settings changed through the API: Mattermost writes them to its config (file or database).
  const config = await call(url, 'GET', '/config', root.token);
  config.TeamSettings.SiteName = 'DR proof site';
  config.ServiceSettings.EnableCustomEmoji = true;
  await call(url, 'PUT', '/config', root.token, config);

  const team = await call(url, 'POST', '/teams', root.token, { name: 'drproof', display_name: 'DR proof', type: 'O' });
  for (const p of [alice, bob]) await call(url, 'POST', `/teams/${team.id}/members`, root.token, { team_id: team.id, user_id: p.id });
  const pub = await call(url, 'POST', '/channels', root.token, { team_id: team.id, name: 'general-talk', display_name: 'General talk', type: 'O' });
  const priv = await call(url, 'POST', '/channels', root.token, { team_id: team.id, name: 'secret-plans', display_name: 'Secret plans', type: 'P' });
  for (const ch of [pub, priv]) for (const p of [alice, bob]) await call(url, 'POST', `/channels/${ch.id}/members`, root.token, { user_id: p.id });
  const as = { alice: await login(url, alice.username, alice.password), bob: await login(url, bob.username, bob.password) };
  const dm = await call(url, 'POST', '/channels/direct', as.alice.token, [alice.id, bob.id]);

  const emojiImage = makePng(64, 64, 9);
  const emojiForm = new FormData();
  emojiForm.append('image', new Blob([new Uint8Array(emojiImage)], { type: 'image/png' }), 'drproof.png');
  emojiForm.append('emoji', JSON.stringify({ creator_id: alice.id, name: 'drproof' }));
  const emoji = await upload(url, '/emoji', as.alice.token, emojiForm);

  const files: Built['files'] = [];
  const posts: string[] = [];
  let seed = 0;
  for (const ch of [pub, priv, dm]) {
    const image = makePng(320 + seed * 40, 200 + seed * 30, seed);
    const text = Buffer.from(`notes for ${ch.name}\n`.repeat(50 + seed));
    const ids = [await attach(as.alice, ch.id, `picture-${seed}.png`, image, 'image/png'), await attach(as.alice, ch.id, `notes-${seed}.txt`, text, 'text/plain')];
    files.push({ id: ids[0], name: `picture-${seed}.png`, sha256: sha256(image), image: true }, { id: ids[1], name: `notes-${seed}.txt`, sha256: sha256(text), image: false });
    const root = await call(url, 'POST', '/posts', as.alice.token, { channel_id: ch.id, message: `Here are the files for ${ch.name}`, file_ids: ids });
    const reply = await call(url, 'POST', '/posts', as.bob.token, { channel_id: ch.id, root_id: root.id, message: `Thanks, got them (${ch.name})` });
    const later = await call(url, 'POST', '/posts', as.bob.token, { channel_id: ch.id, message: `A second thought in ${ch.name}` });
    await call(url, 'POST', '/reactions', as.bob.token, { user_id: bob.id, post_id: root.id, emoji_name: 'thumbsup' });
    await call(url, 'POST', '/reactions', as.alice.token, { user_id: alice.id, post_id: reply.id, emoji_name: 'drproof' });
    posts.push(root.id, reply.id, later.id);
    seed++;
  }

  // A JPEG too (greyscale baseline), which Mattermost decodes into its thumbnail and preview like any photo.
  const jpeg = makeJpeg(240, 160, 5);
  const photo = await attach(as.alice, pub.id, 'photo.jpg', jpeg, 'image/jpeg');
  files.push({ id: photo, name: 'photo.jpg', sha256: sha256(jpeg), image: true });
  posts.push((await call(url, 'POST', '/posts', as.alice.token, { channel_id: pub.id, message: 'and a photo', file_ids: [photo] })).id);

  const plugin = buildProjectPlugin(workDir);
  const pluginForm = new FormData();
  pluginForm.append('plugin', new Blob([new Uint8Array(await fs.readFile(plugin.file))], { type: 'application/gzip' }), path.basename(plugin.file));
  await upload(url, '/plugins', root.token, pluginForm);
  await call(url, 'POST', `/plugins/${plugin.id}/enable`, root.token);
  await pluginRunning(url, root.token, plugin.id);

  return {
    admin, alice, bob,
    team: { id: team.id, name: team.name },
    channels: [{ id: pub.id, name: pub.name, type: 'O' }, { id: priv.id, name: priv.name, type: 'P' }, { id: dm.id, name: dm.name, type: 'D' }],
    posts, files,
    emoji: { id: emoji.id, name: emoji.name },
    pluginId: plugin.id,
    siteName: 'DR proof site',
    samlCertificate: await addSamlCertificate(url, root.token, workDir, configDir),
  };
}

/** Waits until Mattermost reports the plugin running (its server part is a process Mattermost starts). */
export async function pluginRunning(url: string, token: string, id: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const statuses = await call<Array<{ plugin_id: string; state: number }>>(url, 'GET', '/plugins/statuses', token);
    last = statuses.find((s) => s.plugin_id === id);
    if ((last as { state?: number } | undefined)?.state === 2) return true; // PluginStateRunning
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`plugin ${id} is not running after ${timeoutMs / 1000} s: ${JSON.stringify(last)}`);
}

/** A self-signed certificate uploaded as SAML's public certificate; Mattermost stores it beside its config. */
async function addSamlCertificate(url: string, token: string, workDir: string, configDir?: string): Promise<Built['samlCertificate']> {
  const key = path.join(workDir, 'saml.key');
  const cert = path.join(workDir, 'saml.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=drproof.example.com'], { stdio: 'ignore' });
  const bytes = await fs.readFile(cert);
  const form = new FormData();
  form.append('certificate', new Blob([new Uint8Array(bytes)], { type: 'application/x-x509-ca-cert' }), 'saml-public.crt');
  try {
    await upload(url, '/saml/certificate/public', token, form);
    return { viaApi: true, file: 'saml-public.crt', sha256: sha256(bytes) };
  } catch (err) {
    if (!configDir) throw err;
    // This edition refuses SAML: the admin's certificate then is just a file in the config dir.
    await fs.writeFile(path.join(configDir, 'saml-public.crt'), bytes);
    return { viaApi: false, file: 'saml-public.crt', sha256: sha256(bytes) };
  }
}
