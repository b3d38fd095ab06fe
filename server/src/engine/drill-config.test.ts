import { isolateConfig } from './drill-config';

const production = {
  SqlSettings: { DriverName: 'postgres', DataSource: 'postgres://mmuser:secret@db.example.com:5432/mattermost?sslmode=require&connect_timeout=10', DataSourceReplicas: ['postgres://replica.example.com/mattermost'] },
  ServiceSettings: { SiteURL: 'https://chat.example.com', ListenAddress: ':8065', EnableOutgoingWebhooks: true, EnableLocalMode: false },
  EmailSettings: { SendEmailNotifications: true, SMTPServer: 'smtp.example.com', SendPushNotifications: true, PushNotificationServer: 'https://push.mattermost.com' },
  ClusterSettings: { Enable: true, ClusterName: 'prod' },
  JobSettings: { RunJobs: true, RunScheduler: true },
  PluginSettings: { Enable: true, Directory: './plugins' },
  FileSettings: { DriverName: 'amazons3', AmazonS3Bucket: 'files' },
  TeamSettings: { SiteName: 'Example' },
};

const targets = { db: { driver: 'postgres' as const, host: '127.0.0.1', port: 5432, user: 'mmuser', password: 'secret', database: 'mmbackup_drill_1', params: {} }, port: 41234, filesDir: '/tmp/drill/files', scratchDir: '/tmp/drill/boot' };

test('the drill config keeps what the snapshot set but reaches nothing outside the host', () => {
  const config = isolateConfig(production, targets);
  expect(config.SqlSettings).toMatchObject({ DataSource: 'postgres://mmuser:secret@127.0.0.1:5432/mmbackup_drill_1?sslmode=require&connect_timeout=10', DataSourceReplicas: [] });
  expect(config.ServiceSettings).toMatchObject({ SiteURL: 'http://127.0.0.1:41234', ListenAddress: '127.0.0.1:41234', EnableOutgoingWebhooks: false, EnableLocalMode: true, LocalModeSocketLocation: '/tmp/drill/boot/mattermost-local.socket' });
  expect(config.EmailSettings).toMatchObject({ SendEmailNotifications: false, SendPushNotifications: false, PushNotificationServer: '' });
  expect(config.ServiceSettings.EnforceMultifactorAuthentication).toBe(false); // the drill's admin logs in with a password
  expect(config.ClusterSettings.Enable).toBe(false);
  expect(config.JobSettings).toMatchObject({ RunJobs: false, RunScheduler: false });
  expect(config.PluginSettings).toMatchObject({ Enable: false, Directory: '/tmp/drill/boot/plugins' });
  expect(config.FileSettings).toMatchObject({ DriverName: 'local', Directory: '/tmp/drill/files/' });
  expect(config.TeamSettings.SiteName).toBe('Example'); // the snapshot's own settings are what the drill proves
  expect(production.ClusterSettings.Enable).toBe(true); // the input is not changed
});

test('a snapshot without a config boots on defaults pointed at the scratch targets', () => {
  const config = isolateConfig(undefined, targets);
  expect(config.SqlSettings.DataSource).toBe('postgres://mmuser:secret@127.0.0.1:5432/mmbackup_drill_1');
  expect(config.JobSettings.RunJobs).toBe(false);
});
