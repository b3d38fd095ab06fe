/**
 * The in-memory Mattermost behind the test server: users (with roles and extra permissions), sessions by token,
 * bots, teams, channels, members, posts and custom slash commands. Tests seed it through the `add*` helpers and
 * read it back directly (e.g. `state.posts`) to assert what the code under test did.
 *
 * Records use Mattermost's wire field names so that handlers can return them as they are. Permissions are a
 * deliberately small model of Mattermost's: `system_admin` in roles grants everything; anyone else holds only
 * the permissions listed in `permissions` plus what membership gives (reading and posting in joined channels).
 */
import { randomBytes } from 'node:crypto';

/** A 26-character lower-case id, like Mattermost's NewId(). */
export function newId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(26)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface MmUser {
  id: string;
  username: string;
  email: string;
  roles: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  is_bot?: boolean;
  /** Permissions held beyond the roles, e.g. manage_slash_commands; not part of the wire format. */
  permissions: Set<string>;
}

export interface MmTeam {
  id: string; name: string; display_name: string; type: 'O' | 'I'; allow_open_invite: boolean;
  create_at: number; update_at: number; delete_at: number;
}

export interface MmChannel {
  id: string; team_id: string; name: string; display_name: string; type: 'O' | 'P';
  create_at: number; update_at: number; delete_at: number; creator_id: string;
}

export interface MmPost {
  id: string; channel_id: string; user_id: string; message: string; props: Record<string, unknown>;
  root_id: string; create_at: number; update_at: number; delete_at: number; type: string;
  /** Set for ephemeral posts: the only user who sees it. Not stored by Mattermost; kept here for assertions. */
  ephemeral_for?: string;
}

export interface MmCommand {
  id: string; token: string; create_at: number; update_at: number; delete_at: number;
  creator_id: string; team_id: string; trigger: string; method: string; username: string; icon_url: string;
  auto_complete: boolean; auto_complete_desc: string; auto_complete_hint: string; display_name: string;
  description: string; url: string;
}

export interface SeedUser {
  username: string;
  roles?: string;
  permissions?: string[];
}

export class MattermostState {
  readonly users = new Map<string, MmUser>();
  /** token → user id; covers sessions, personal access tokens and bot access tokens alike. */
  readonly tokens = new Map<string, string>();
  readonly teams = new Map<string, MmTeam>();
  readonly teamMembers = new Map<string, Set<string>>();
  readonly channels = new Map<string, MmChannel>();
  readonly channelMembers = new Map<string, Set<string>>();
  readonly posts: MmPost[] = [];
  readonly commands = new Map<string, MmCommand>();

  /** Adds a user with a fresh session token; roles default to system_user. */
  addUser(seed: SeedUser): { user: MmUser; token: string } {
    const now = Date.now();
    const user: MmUser = {
      id: newId(), username: seed.username, email: `${seed.username}@example.com`, roles: seed.roles ?? 'system_user',
      create_at: now, update_at: now, delete_at: 0, permissions: new Set(seed.permissions ?? []),
    };
    this.users.set(user.id, user);
    return { user, token: this.addToken(user.id) };
  }

  /** Adds a bot account and a bot access token for it (as `mmctl token generate` would). */
  addBot(seed: SeedUser): { user: MmUser; token: string } {
    const created = this.addUser({ roles: 'system_user', ...seed });
    created.user.is_bot = true;
    return created;
  }

  /** Issues another token for a user (a personal access token, say). */
  addToken(userId: string): string {
    const token = newId();
    this.tokens.set(token, userId);
    return token;
  }

  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  addTeam(name: string, type: 'O' | 'I' = 'O'): MmTeam {
    const now = Date.now();
    const team: MmTeam = {
      id: newId(), name, display_name: name, type, allow_open_invite: type === 'O', create_at: now, update_at: now, delete_at: 0,
    };
    this.teams.set(team.id, team);
    this.teamMembers.set(team.id, new Set());
    return team;
  }

  addTeamMember(teamId: string, userId: string): void {
    this.teamMembers.get(teamId)?.add(userId);
  }

  addChannel(teamId: string, name: string, type: 'O' | 'P' = 'O'): MmChannel {
    const now = Date.now();
    const channel: MmChannel = {
      id: newId(), team_id: teamId, name, display_name: name, type, create_at: now, update_at: now, delete_at: 0, creator_id: '',
    };
    this.channels.set(channel.id, channel);
    this.channelMembers.set(channel.id, new Set());
    return channel;
  }

  addChannelMember(channelId: string, userId: string): void {
    this.channelMembers.get(channelId)?.add(userId);
  }

  userByToken(token: string | undefined): MmUser | undefined {
    const id = token ? this.tokens.get(token) : undefined;
    const user = id ? this.users.get(id) : undefined;
    return user && user.delete_at === 0 ? user : undefined;
  }

  teamByName(name: string): MmTeam | undefined {
    return [...this.teams.values()].find((t) => t.name === name && t.delete_at === 0);
  }

  channelByName(teamId: string, name: string): MmChannel | undefined {
    return [...this.channels.values()].find((c) => c.team_id === teamId && c.name === name);
  }

  isSystemAdmin(user: MmUser): boolean {
    return user.roles.split(' ').includes('system_admin');
  }

  /** Whether the user holds a permission system-wide (roles or the explicit grant list). */
  can(user: MmUser, permission: string): boolean {
    return this.isSystemAdmin(user) || user.permissions.has(permission);
  }

  isChannelMember(channelId: string, userId: string): boolean {
    return this.channelMembers.get(channelId)?.has(userId) ?? false;
  }

  isTeamMember(teamId: string, userId: string): boolean {
    return this.teamMembers.get(teamId)?.has(userId) ?? false;
  }
}

/** The wire form of a user: the sanitized fields Mattermost returns, without our permission set. */
export function userJson(user: MmUser): Record<string, unknown> {
  const { permissions: _permissions, ...wire } = user;
  return {
    ...wire, first_name: '', last_name: '', nickname: '', auth_service: '', locale: 'en',
    is_bot: user.is_bot ?? false, last_picture_update: 0, mfa_active: false,
  };
}
