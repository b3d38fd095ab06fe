/**
 * What the bridge needs from Mattermost's REST API, on the official client (@mattermost/client Client4) with
 * the bridge's bot token: who the bot is, which teams exist, the ops channel, joining it, posting alerts, the
 * `/backup` custom command on each team, and validating an admin's session or personal access token.
 *
 * Every method either resolves with Mattermost's own object or throws an MmBackupError (step 'mattermost-api')
 * naming the endpoint, the status and the fix (see ./errors). Tokens are registered with registerSecret() as
 * soon as they are seen, so no message, log or API answer can carry one.
 */
import { Client4 } from '@mattermost/client';
import type { Channel } from '@mattermost/types/channels';
import type { Command } from '@mattermost/types/integrations';
import type { MessageAttachment } from '@mattermost/types/message_attachments';
import type { Post } from '@mattermost/types/posts';
import type { Team } from '@mattermost/types/teams';
import type { UserProfile } from '@mattermost/types/users';
import { registerSecret } from '../common/redact';
import { type CallContext, toMattermostError } from './errors';

export interface MattermostApiOptions {
  /** Mattermost's site URL, e.g. https://chat.example.com (a trailing slash is ignored). */
  siteUrl: string;
  /** The bot's access token (MMBACKUP_BOT_TOKEN). */
  botToken: string;
}

/** The caller behind a session or personal access token, as the bridge's admin check needs it. */
export interface SessionUser {
  id: string;
  username: string;
  roles: string[];
  isSystemAdmin: boolean;
}

/** The fields of a custom slash command the bridge decides; Mattermost fills in the rest (id, token, times). */
export interface CommandSpec {
  teamId: string;
  trigger: string;
  /** Where Mattermost sends the invocation; must be reachable from the Mattermost server. */
  url: string;
  method?: 'P' | 'G';
  displayName?: string;
  description?: string;
  autoComplete?: boolean;
  autoCompleteDesc?: string;
  autoCompleteHint?: string;
  /** Post the responses under this name (needs Mattermost's EnablePostUsernameOverride). */
  username?: string;
  iconUrl?: string;
}

export type { MessageAttachment };

/** Teams are read a page at a time; 200 is Mattermost's maximum page size. */
const TEAM_PAGE = 200;

export class MattermostApi {
  readonly siteUrl: string;
  private readonly bot: Client4;

  constructor(options: MattermostApiOptions) {
    registerSecret(options.botToken);
    this.siteUrl = options.siteUrl.replace(/\/+$/, '');
    this.bot = clientFor(this.siteUrl, options.botToken);
  }

  /** The bot's own user. A 401 here means the bot token is wrong: call it first to fail fast at start. */
  me(): Promise<UserProfile> {
    return this.call({ endpoint: 'GET /api/v4/users/me' }, () => this.bot.getMe());
  }

  /**
   * Validates a user's session token or personal access token (GET /api/v4/users/me with it as Bearer) and says
   * who it belongs to. Throws MM_UNAUTHORIZED (with a user-facing fix, not the bot-token one) when it is invalid.
   */
  async sessionUser(token: string): Promise<SessionUser> {
    registerSecret(token);
    const client = clientFor(this.siteUrl, token);
    const user = await this.call({ endpoint: 'GET /api/v4/users/me', credential: 'user' }, () => client.getMe());
    const roles = user.roles.split(/\s+/).filter(Boolean);
    return { id: user.id, username: user.username, roles, isSystemAdmin: roles.includes('system_admin') };
  }

  /** Whether a user (by id, e.g. the invoker of /backup) has the system_admin role. */
  async isSystemAdmin(userId: string): Promise<boolean> {
    const user = await this.call({ endpoint: `GET /api/v4/users/${userId}` }, () => this.bot.getUser(userId));
    return user.roles.split(/\s+/).includes('system_admin');
  }

  /** Every team the bot can see: all teams when it has manage_system, otherwise the open ones. */
  async teams(): Promise<Team[]> {
    const all: Team[] = [];
    for (let page = 0; ; page++) {
      const batch = await this.call({ endpoint: 'GET /api/v4/teams' }, () => this.bot.getTeams(page, TEAM_PAGE) as Promise<Team[]>);
      all.push(...batch);
      if (batch.length < TEAM_PAGE) return all;
    }
  }

  /** A channel by team name and channel name (e.g. the ops channel from the settings); MM_NOT_FOUND if absent. */
  channelByName(teamName: string, channelName: string): Promise<Channel> {
    const endpoint = `GET /api/v4/teams/name/${teamName}/channels/name/${channelName}`;
    return this.call({ endpoint, permission: 'read_channel' }, () => this.bot.getChannelByNameAndTeamName(teamName, channelName));
  }

  /** Makes the user a channel member; adding a member again is harmless (Mattermost answers with the membership). */
  async ensureMember(channelId: string, userId: string): Promise<void> {
    const endpoint = `POST /api/v4/channels/${channelId}/members`;
    await this.call({ endpoint, permission: 'join_public_channels or manage_private_channel_members' }, () => this.bot.addToChannel(userId, channelId));
  }

  /** Posts as the bot; attachments go in props.attachments, as Mattermost renders Slack-style attachments. */
  post(channelId: string, message: string, attachments?: MessageAttachment[]): Promise<Post> {
    const post = { channel_id: channelId, message, ...(attachments?.length ? { props: { attachments } } : {}) };
    return this.call({ endpoint: 'POST /api/v4/posts', permission: 'create_post' }, () => this.bot.createPost(post));
  }

  /** Posts a message only `userId` sees (needs create_post_ephemeral: the bot must be a system admin). */
  postEphemeral(userId: string, channelId: string, message: string): Promise<Post> {
    return this.call({ endpoint: 'POST /api/v4/posts/ephemeral', permission: 'create_post_ephemeral' },
      () => this.bot.createPostEphemeral(userId, { channel_id: channelId, message }));
  }

  /** The team's custom slash commands (not the built-in ones). Their tokens are registered as secrets. */
  async listCommands(teamId: string): Promise<Command[]> {
    const commands = await this.call({ endpoint: 'GET /api/v4/commands', permission: 'manage_slash_commands' },
      () => this.bot.getCustomTeamCommands(teamId));
    for (const command of commands) registerSecret(command.token);
    return commands;
  }

  /** Creates a custom slash command; the returned token (registered as a secret) authenticates its requests. */
  async createCommand(spec: CommandSpec): Promise<Command> {
    const command = await this.call({ endpoint: 'POST /api/v4/commands', permission: 'manage_slash_commands' },
      () => this.bot.addCommand(commandFields(spec) as Command));
    registerSecret(command.token);
    return command;
  }

  /** Rewrites an existing command (matched by `existing.id`) with the fields of `spec`; keeps its token. */
  async updateCommand(existing: Command, spec: CommandSpec): Promise<Command> {
    const command = { ...existing, ...commandFields(spec), team_id: existing.team_id };
    const updated = await this.call({ endpoint: `PUT /api/v4/commands/${existing.id}`, permission: 'manage_slash_commands' },
      () => this.bot.editCommand(command));
    registerSecret(updated.token);
    return updated;
  }

  /** Resolves when Mattermost answers its health check; MM_UNREACHABLE when it cannot be reached. */
  async ping(): Promise<void> {
    await this.call({ endpoint: 'GET /api/v4/system/ping' }, () => this.bot.ping(false));
  }

  private async call<T>(context: Omit<CallContext, 'siteUrl' | 'credential'> & { credential?: CallContext['credential'] }, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toMattermostError(err, { credential: 'bot', ...context, siteUrl: this.siteUrl });
    }
  }
}

function clientFor(siteUrl: string, token: string): Client4 {
  const client = new Client4();
  client.setUrl(siteUrl);
  client.setToken(token);
  return client;
}

/** CommandSpec in Mattermost's field names, with its defaults (POST, autocomplete on). */
function commandFields(spec: CommandSpec): Partial<Command> {
  return {
    team_id: spec.teamId,
    trigger: spec.trigger,
    url: spec.url,
    method: spec.method ?? 'P',
    display_name: spec.displayName ?? '',
    description: spec.description ?? '',
    auto_complete: spec.autoComplete ?? true,
    auto_complete_desc: spec.autoCompleteDesc ?? '',
    auto_complete_hint: spec.autoCompleteHint ?? '',
    username: spec.username ?? '',
    icon_url: spec.iconUrl ?? '',
  };
}
