/**
 * Keeps the `/backup` custom slash command on every team the bot sees. Commands are per team, so this runs at
 * start and again periodically (new teams appear). Each team's command is found by its trigger: created when
 * missing, updated when the fields the bridge decides (URL, method, autocomplete) drifted, otherwise left as
 * it is, so a second run makes no writes. Other commands are never touched.
 */
import type { Command } from '@mattermost/types/integrations';
import { asMmBackupError, type MmBackupError } from '../common/errors';
import type { CommandSpec, MattermostApi } from '../mattermost-api/client';

/** The part of MattermostApi registration uses (so tests or a wrapper can stand in). */
export type CommandsApi = Pick<MattermostApi, 'teams' | 'listCommands' | 'createCommand' | 'updateCommand'>;

export interface SlashCommandOptions {
  /** Where Mattermost sends invocations, e.g. https://chat.example.com/backup-dr/api/v1/slash. */
  url: string;
  trigger: 'backup';
  displayName: string;
  description: string;
  /** Shown after the trigger while typing, e.g. "[now|status|list|verify|help]". */
  autocompleteHint: string;
  /** Shown in the autocomplete list; defaults to `description`. */
  autocompleteDescription?: string;
}

export type RegistrationOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

export interface TeamRegistration {
  teamId: string;
  teamName: string;
  outcome: RegistrationOutcome;
  /** The command's token (registered as a secret by MattermostApi); absent when `outcome` is 'failed'. */
  token?: string;
  /** Why this team failed (e.g. MM_FORBIDDEN: the bot lacks manage_slash_commands); other teams still proceed. */
  error?: MmBackupError;
}

export interface RegistrationReport {
  teams: TeamRegistration[];
}

/**
 * Ensures the command on every team; failures are per team and never thrown (listing the teams is the one
 * exception: without it nothing can be done, so its MmBackupError propagates). Whether Mattermost may call
 * the URL at all is untrusted.ts's question, asked by the bridge against Mattermost's current config.
 */
export async function ensureSlashCommands(api: CommandsApi, options: SlashCommandOptions): Promise<RegistrationReport> {
  const teams = await api.teams();
  const results: TeamRegistration[] = [];
  // One team at a time: a few teams is the norm, and it keeps the bridge gentle with Mattermost's rate limit.
  for (const team of teams) {
    results.push(await ensureOnTeam(api, commandSpec(team.id, options), team.name));
  }
  return { teams: results };
}

/** All tokens from a report, for SlashDeps.commandTokens(). */
export function tokensOf(report: RegistrationReport): string[] {
  return report.teams.flatMap((t) => (t.token ? [t.token] : []));
}

async function ensureOnTeam(api: CommandsApi, spec: CommandSpec, teamName: string): Promise<TeamRegistration> {
  const base = { teamId: spec.teamId, teamName };
  try {
    const existing = (await api.listCommands(spec.teamId)).find((c) => c.trigger === spec.trigger && c.delete_at === 0);
    if (!existing) return { ...base, outcome: 'created', token: (await api.createCommand(spec)).token };
    if (!drifted(existing, spec)) return { ...base, outcome: 'unchanged', token: existing.token };
    return { ...base, outcome: 'updated', token: (await api.updateCommand(existing, keepWording(existing, spec))).token };
  } catch (err) {
    return { ...base, outcome: 'failed', error: asMmBackupError(err, 'slash-registration') };
  }
}

function commandSpec(teamId: string, options: SlashCommandOptions): CommandSpec {
  return {
    teamId, trigger: options.trigger, url: options.url, method: 'P',
    displayName: options.displayName, description: options.description,
    autoComplete: true, autoCompleteDesc: options.autocompleteDescription ?? options.description,
    autoCompleteHint: options.autocompleteHint,
  };
}

/** An update rewrites every field; keep the admin's wording, response name and icon rather than reset them. */
function keepWording(existing: Command, spec: CommandSpec): CommandSpec {
  return { ...spec, displayName: existing.display_name, description: existing.description, username: existing.username, iconUrl: existing.icon_url };
}

/**
 * The fields whose difference makes the command behave differently for people. Display name and description
 * are deliberately not compared: an admin may reword them in the UI and we should not fight that.
 */
function drifted(existing: Command, spec: CommandSpec): boolean {
  return existing.url !== spec.url
    || existing.method !== spec.method
    || existing.auto_complete !== spec.autoComplete
    || existing.auto_complete_desc !== spec.autoCompleteDesc
    || existing.auto_complete_hint !== spec.autoCompleteHint;
}
