/**
 * The config a drill boots Mattermost with: the snapshot's own config.json (so the drill proves that this
 * config starts a server), pointed at the scratch database and directories, on a loopback port, with
 * everything that could reach the outside world or other users switched off: email and push
 * notifications, outgoing webhooks and OAuth connections, the cluster, jobs and the job scheduler,
 * plugins, metrics, search engines, the image proxy, notices and diagnostics, a shared cache and database
 * replicas. Local mode is switched on, on a socket in the scratch directory, so the drill can make its
 * own short-lived admin in the scratch database (which is dropped afterwards) without any credential of
 * the real server.
 */
import * as path from 'node:path';
import { formatDsn, parseDsn } from '../mattermost/dsn';
import type { DbConnection } from '../mattermost/types';

export interface DrillTargets {
  db: DbConnection;
  port: number;
  filesDir: string;
  scratchDir: string;
}

type Config = Record<string, Record<string, unknown>>;

/** Returns a copy of `config` set up for an isolated drill boot; the input is left unchanged. */
export function isolateConfig(original: unknown, targets: DrillTargets): Config {
  const config = structuredClone((original ?? {}) as Config);
  const set = (section: string, values: Record<string, unknown>) => {
    config[section] = { ...(config[section] ?? {}), ...values };
  };
  let before: DbConnection | undefined;
  try {
    const source = config.SqlSettings?.DataSource;
    before = typeof source === 'string' && source ? parseDsn(source) : undefined;
  } catch {
    before = undefined;
  }
  const url = `http://127.0.0.1:${targets.port}`;
  set('SqlSettings', { DriverName: targets.db.driver, DataSource: formatDsn(targets.db, before), DataSourceReplicas: [], DataSourceSearchReplicas: [], ReplicaLagSettings: [] });
  set('ServiceSettings', {
    SiteURL: url,
    ListenAddress: `127.0.0.1:${targets.port}`,
    ConnectionSecurity: '',
    TLSCertFile: '',
    TLSKeyFile: '',
    UseLetsEncrypt: false,
    Forward80To443: false,
    EnableLocalMode: true,
    LocalModeSocketLocation: path.join(targets.scratchDir, 'mattermost-local.socket'),
    EnableOutgoingWebhooks: false,
    EnableOutgoingOAuthConnections: false,
    EnableSecurityFixAlert: false,
    EnableCommands: false,
    // The drill's own admin logs in with a password: an enforced MFA would refuse it every API call.
    EnforceMultifactorAuthentication: false,
  });
  set('EmailSettings', { SendEmailNotifications: false, SendPushNotifications: false, PushNotificationServer: '', EnableSMTPAuth: false, SMTPServer: '127.0.0.1', SMTPPort: '1', EnableSignInWithUsername: true, EnableSignInWithEmail: true });
  set('ClusterSettings', { Enable: false });
  set('JobSettings', { RunJobs: false, RunScheduler: false });
  set('PluginSettings', {
    Enable: false,
    EnableUploads: false,
    EnableMarketplace: false,
    EnableRemoteMarketplace: false,
    AutomaticPrepackagedPlugins: false,
    Directory: path.join(targets.scratchDir, 'plugins'),
    ClientDirectory: path.join(targets.scratchDir, 'client-plugins'),
  });
  set('FileSettings', { DriverName: 'local', Directory: `${path.resolve(targets.filesDir)}/`, ExportDriverName: 'local', ExportDirectory: path.join(targets.scratchDir, 'export') });
  set('LogSettings', { EnableConsole: true, ConsoleJson: true, ConsoleLevel: 'INFO', EnableFile: false, EnableDiagnostics: false, EnableSentry: false, AdvancedLoggingJSON: {} });
  set('NotificationLogSettings', { EnableConsole: false, EnableFile: false, AdvancedLoggingJSON: {} });
  set('ExperimentalAuditSettings', { FileEnabled: false, AdvancedLoggingJSON: {} });
  set('MetricsSettings', { Enable: false });
  set('ElasticsearchSettings', { EnableIndexing: false, EnableSearching: false, EnableAutocomplete: false });
  set('BleveSettings', { EnableIndexing: false, EnableSearching: false, EnableAutocomplete: false, IndexDir: '' });
  set('ImageProxySettings', { Enable: false });
  set('AnnouncementSettings', { AdminNoticesEnabled: false, UserNoticesEnabled: false });
  set('CacheSettings', { CacheType: 'lru' });
  set('LdapSettings', { EnableSync: false });
  return config;
}
