/**
 * Teams, users, channels and memberships: the "directory" every other generated row points into. Produced
 * in JavaScript from a seeded stream (they are small even for a large installation) and returned both as
 * rows to insert and as a model (ids, members per channel) for the post and file generators.
 */
import { Rng } from './random';
import type { Row } from './row-writer';

/** 2024-01-01T00:00:00Z: generated history starts here, so dates (and file paths) do not depend on today. */
export const EPOCH_MS = 1_704_067_200_000;
export const DAY_MS = 86_400_000;

export interface DemoChannel {
  id: string;
  /** '' for direct and group messages, as in Mattermost. */
  teamId: string;
  type: 'O' | 'P' | 'D' | 'G';
  /** User ids; never empty. */
  members: string[];
}

export interface DemoDirectory {
  teamIds: string[];
  userIds: string[];
  channels: DemoChannel[];
  rows: { Teams: Row[]; Users: Row[]; TeamMembers: Row[]; Channels: Row[]; ChannelMembers: Row[] };
}

export interface DirectorySize {
  users: number;
  teams: number;
  channelsPerTeam: number;
}

const FIRST = ['alice', 'bob', 'chloé', 'dmitri', 'eva', 'farid', 'grace', 'hiro', 'ines', 'jamal', 'kasia', 'liam'];
const LAST = ['smith', 'o\'neil', 'müller', 'nakamura', 'garcía', 'kowalski', 'haddad', 'ng', 'dubois', 'okafor'];
const CHANNEL_NAMES = ['backup-alerts', 'release', 'random', 'ops', 'design', 'support', 'sales', 'incidents', 'hr', 'infra'];
const TEAM_NAMES = ['Engineering', 'Sales EMEA', 'Support 🛟', 'Ops & SRE', 'Marketing', 'Équipe Paris', '研究開発'];
const NOTIFY_PROPS = '{"channel":"true","comments":"never","desktop":"mention","email":"true","first_name":"false","mention_keys":"","push":"mention"}';
const MEMBER_NOTIFY = '{"desktop":"default","email":"default","ignore_channel_mentions":"default","mark_unread":"all","push":"default"}';

function teamRows(rng: Rng, n: number): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const at = EPOCH_MS - 60 * DAY_MS + i * DAY_MS;
    return {
      Id: rng.id(), CreateAt: at, UpdateAt: at, DeleteAt: 0, DisplayName: TEAM_NAMES[i % TEAM_NAMES.length],
      Name: `team-${i}`, Description: i === 0 ? 'Where the "real" work happens; since 2019.' : '', Email: `team${i}@example.com`,
      Type: i % 3 === 2 ? 'I' : 'O', CompanyName: '', AllowedDomains: i === 1 ? 'example.com,example.org' : '',
      InviteId: rng.token(26), SchemeId: null, AllowOpenInvite: i % 2 === 0, LastTeamIconUpdate: 0,
      GroupConstrained: i === 0 ? false : null, CloudLimitsArchived: false,
    };
  });
}

function userRow(rng: Rng, i: number): Row {
  const first = FIRST[i % FIRST.length];
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
  const username = i === 0 ? 'sysadmin' : `${first}.${last}.${i}`.normalize('NFD').replace(/[^a-z0-9.]/g, '');
  const at = EPOCH_MS - 30 * DAY_MS + i * 1000;
  const sso = i % 7 === 3;
  const deleted = i % 11 === 5;
  return {
    Id: rng.id(), CreateAt: at, UpdateAt: at + (deleted ? 5 * DAY_MS : 0), DeleteAt: deleted ? at + 5 * DAY_MS : 0,
    Username: username, Password: sso ? '' : `$2a$10$${rng.token(53)}`, AuthData: sso ? `${username}@idp.example.com` : null,
    AuthService: sso ? 'saml' : '', Email: `${username}@example.com`, EmailVerified: i % 5 !== 4,
    Nickname: i % 4 === 1 ? `${first} 🚀` : '', FirstName: first, LastName: last, Position: i === 0 ? 'Admin "root"' : '',
    Roles: i === 0 ? 'system_user system_admin' : 'system_user', AllowMarketing: i % 2 === 0,
    Props: i % 3 === 0 ? '{"customStatus":"{\\"emoji\\":\\"palm_tree\\",\\"text\\":\\"Vacation 🏖️\\"}"}' : '{}',
    NotifyProps: NOTIFY_PROPS, LastPasswordUpdate: at, LastPictureUpdate: i % 2 === 0 ? at + 1 : 0, FailedAttempts: i % 13 === 0 ? 2 : 0,
    Locale: ['en', 'de', 'fr', 'ja'][i % 4],
    Timezone: `{"automaticTimezone":"${['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][i % 3]}","manualTimezone":"","useAutomaticTimezone":"true"}`,
    MfaActive: i % 9 === 0, MfaSecret: i % 9 === 0 ? rng.token(32).toUpperCase() : '', RemoteId: i % 17 === 16 ? rng.id() : null,
    LastLogin: i % 3 === 0 ? 0 : at + DAY_MS,
  };
}

function channelRow(rng: Rng, teamId: string, type: DemoChannel['type'], name: string, display: string, creatorId: string, at: number): Row {
  return {
    Id: rng.id(), CreateAt: at, UpdateAt: at, DeleteAt: 0, TeamId: teamId, Type: type, DisplayName: display, Name: name,
    Header: type === 'O' ? 'Docs: https://example.com/docs | On call: @alice' : '', Purpose: type === 'P' ? 'Private 🔒 planning' : '',
    LastPostAt: 0, TotalMsgCount: 0, ExtraUpdateAt: 0, CreatorId: creatorId, SchemeId: null,
    GroupConstrained: type === 'O' || type === 'P' ? false : null, Shared: type === 'O' ? false : null, TotalMsgCountRoot: 0, LastRootPostAt: 0,
  };
}

function memberRow(channelId: string, userId: string, admin: boolean, at: number): Row {
  return {
    ChannelId: channelId, UserId: userId, Roles: '', LastViewedAt: at, MsgCount: 0, MentionCount: 0, NotifyProps: MEMBER_NOTIFY,
    LastUpdateAt: at, SchemeUser: true, SchemeAdmin: admin, SchemeGuest: false, MentionCountRoot: 0, MsgCountRoot: 0, UrgentMentionCount: 0,
  };
}

/** Team channels: town-square and off-topic hold every team member, others a random subset plus the creator. */
function teamChannels(rng: Rng, teamId: string, teamIndex: number, members: string[], perTeam: number, dir: DemoDirectory): void {
  for (let c = 0; c < perTeam; c++) {
    const base = c === 0 ? 'town-square' : c === 1 ? 'off-topic' : `${CHANNEL_NAMES[(c - 2) % CHANNEL_NAMES.length]}-${c}`;
    const type = c >= 2 && rng.chance(0.3) ? 'P' : 'O';
    const creator = rng.pick(members);
    const inChannel = c < 2 ? members : members.filter((u) => u === creator || rng.chance(0.4));
    const display = c === 0 ? 'Town Square' : c === 1 ? 'Off-Topic' : `${base} ✨`;
    const row = channelRow(rng, teamId, type, base, display, creator, EPOCH_MS - (50 - teamIndex) * DAY_MS + c);
    dir.channels.push({ id: row.Id as string, teamId, type, members: inChannel });
    dir.rows.Channels.push(row);
  }
}

/** Direct messages between pairs of users and one group message, with teamId '' like Mattermost. */
function directChannels(rng: Rng, userIds: string[], dir: DemoDirectory): void {
  const pairs = Math.min(userIds.length - 1, 12);
  for (let i = 0; i < pairs; i++) {
    const pair = [userIds[0], userIds[i + 1]].sort();
    const row = channelRow(rng, '', 'D', `${pair[0]}__${pair[1]}`, '', userIds[0], EPOCH_MS - DAY_MS + i);
    dir.channels.push({ id: row.Id as string, teamId: '', type: 'D', members: pair });
    dir.rows.Channels.push(row);
  }
  if (userIds.length >= 3) {
    const members = rng.sample(userIds, 3);
    const row = channelRow(rng, '', 'G', rng.token(40), 'three of us', members[0], EPOCH_MS - DAY_MS);
    dir.channels.push({ id: row.Id as string, teamId: '', type: 'G', members });
    dir.rows.Channels.push(row);
  }
}

/** Builds the directory for `size`, deterministic for `seed`. */
export function generateDirectory(seed: number, size: DirectorySize): DemoDirectory {
  const rng = Rng.stream(seed, 'directory');
  const dir: DemoDirectory = { teamIds: [], userIds: [], channels: [],
    rows: { Teams: teamRows(rng, size.teams), Users: [], TeamMembers: [], Channels: [], ChannelMembers: [] } };
  dir.teamIds = dir.rows.Teams.map((t) => t.Id as string);
  for (let i = 0; i < size.users; i++) dir.rows.Users.push(userRow(rng, i));
  dir.userIds = dir.rows.Users.map((u) => u.Id as string);
  dir.teamIds.forEach((teamId, t) => {
    const members = dir.userIds.filter((_, i) => i === 0 || t === 0 || rng.chance(0.5));
    for (const userId of members) {
      const admin = userId === dir.userIds[0];
      dir.rows.TeamMembers.push({ TeamId: teamId, UserId: userId, Roles: '', DeleteAt: 0, SchemeUser: true,
        SchemeAdmin: admin, SchemeGuest: false, CreateAt: EPOCH_MS - 20 * DAY_MS });
    }
    teamChannels(rng, teamId, t, members, size.channelsPerTeam, dir);
  });
  directChannels(rng, dir.userIds, dir);
  for (const ch of dir.channels) {
    for (const userId of ch.members) dir.rows.ChannelMembers.push(memberRow(ch.id, userId, userId === dir.userIds[0], EPOCH_MS));
  }
  return dir;
}
