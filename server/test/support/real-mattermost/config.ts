/**
 * The config.json a test server starts from. Mattermost fills every setting left out with its default; what is
 * set here makes it listen on one loopback port only, keep all its files in the test's temp dir, accept plugin
 * uploads, and never reach outside the machine (no telemetry, update or security checks, notices, push, email,
 * marketplace, link previews or GIFs).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type ConfigOverrides = Record<string, Record<string, unknown>>;

export interface ConfigPaths {
  root: string;
  dataDir: string;
  pluginDir: string;
  clientPluginDir: string;
  logDir: string;
}

export function testConfig(url: string, port: number, dataSource: string, paths: ConfigPaths): ConfigOverrides {
  return {
    ServiceSettings: {
      SiteURL: url,
      ListenAddress: `127.0.0.1:${port}`,
      EnableLocalMode: false,
      LocalModeSocketLocation: path.join(paths.root, 'local-mode.socket'),
      EnableDeveloper: false,
      EnableTesting: false,
      EnableSecurityFixAlert: false,
      EnableLinkPreviews: false,
      EnableGifPicker: false,
      EnableUserAccessTokens: true,
      EnableBotAccountCreation: true,
      EnableOAuthServiceProvider: false,
    },
    TeamSettings: { SiteName: 'Backup DR test', EnableOpenServer: false, MaxUsersPerTeam: 1000 },
    SqlSettings: {
      DriverName: 'postgres',
      DataSource: dataSource,
      DataSourceReplicas: [],
      DataSourceSearchReplicas: [],
      AtRestEncryptKey: randomBytes(24).toString('base64url'),
    },
    FileSettings: { DriverName: 'local', Directory: paths.dataDir, EnablePublicLink: false },
    PluginSettings: {
      Enable: true,
      EnableUploads: true,
      Directory: paths.pluginDir,
      ClientDirectory: paths.clientPluginDir,
      EnableMarketplace: false,
      EnableRemoteMarketplace: false,
      AutomaticPrepackagedPlugins: false,
      RequirePluginSignature: false,
    },
    LogSettings: {
      EnableConsole: false,
      ConsoleLevel: 'ERROR',
      EnableFile: true,
      FileLevel: 'INFO',
      FileJson: false,
      FileLocation: paths.logDir,
      EnableDiagnostics: false,
    },
    NotificationLogSettings: { EnableConsole: false, EnableFile: true, FileLocation: paths.logDir },
    EmailSettings: {
      SendEmailNotifications: false,
      RequireEmailVerification: false,
      SendPushNotifications: false,
      PushNotificationServer: '',
      SMTPServer: '',
      EnableSignUpWithEmail: true,
      EnableSignInWithEmail: true,
      EnableSignInWithUsername: true,
    },
    AnnouncementSettings: { AdminNoticesEnabled: false, UserNoticesEnabled: false },
    MetricsSettings: { Enable: false },
    ClusterSettings: { Enable: false },
    ImageProxySettings: { Enable: false },
    RateLimitSettings: { Enable: false },
  };
}

/** Each section of `overrides` is merged over the same section of `base` (one level deep, as config.json is). */
export function mergeConfig(base: ConfigOverrides, overrides: ConfigOverrides = {}): ConfigOverrides {
  const merged: ConfigOverrides = { ...base };
  for (const [section, values] of Object.entries(overrides)) merged[section] = { ...(base[section] ?? {}), ...values };
  return merged;
}

export async function writeConfig(file: string, config: ConfigOverrides): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
