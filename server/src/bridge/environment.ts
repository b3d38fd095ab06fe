/**
 * What `mmbackup serve` needs beyond the plugin settings, from its own environment file (credentials and
 * addresses never live in Mattermost's config): the site URL, the bot token, where to listen, and the URL
 * Mattermost calls for /backup.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import type { MattermostInstallation } from '../mattermost/types';
import type { Settings } from '../settings/schema';

export interface BridgeEnvironment {
  /** Mattermost's own URL, for REST calls (MMBACKUP_SITE_URL, else ServiceSettings.SiteURL). */
  siteUrl?: string;
  /** The bot's access token (MMBACKUP_BOT_TOKEN); without it, no alerts and no /backup. */
  botToken?: string;
  listenHost: string;
  listenPort: number;
  /** Where Mattermost sends /backup invocations (MMBACKUP_SLASH_URL, else <site URL><bridge path>api/v1/slash). */
  slashUrl?: string;
  /** Bearer token required on /metrics when set (MMBACKUP_METRICS_TOKEN). */
  metricsToken?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8066';

export function bridgeEnvironment(installation: MattermostInstallation, settings: Settings, env: NodeJS.ProcessEnv): BridgeEnvironment {
  const listen = env.MMBACKUP_LISTEN ?? DEFAULT_LISTEN;
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) {
    throw new MmBackupError({
      step: 'serve',
      code: 'BAD_LISTEN',
      message: `MMBACKUP_LISTEN=${listen} is not host:port`,
      fix: `use e.g. ${DEFAULT_LISTEN} (the reverse proxy on this host forwards ${settings.bridgePath} to it)`,
      exitCode: ExitCode.usage,
    });
  }
  const siteUrl = (env.MMBACKUP_SITE_URL ?? String(installation.config?.ServiceSettings?.SiteURL ?? '')).replace(/\/+$/, '') || undefined;
  registerSecret(env.MMBACKUP_BOT_TOKEN);
  registerSecret(env.MMBACKUP_METRICS_TOKEN);
  return {
    siteUrl,
    botToken: env.MMBACKUP_BOT_TOKEN || undefined,
    listenHost: match[1].replace(/^\[|\]$/g, ''),
    listenPort: Number(match[2]),
    slashUrl: env.MMBACKUP_SLASH_URL ?? (siteUrl ? `${siteUrl}${settings.bridgePath.replace(/\/?$/, '/')}api/v1/slash` : undefined),
    metricsToken: env.MMBACKUP_METRICS_TOKEN || undefined,
  };
}
