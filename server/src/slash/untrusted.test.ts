/** Which bridge URLs need Mattermost's AllowedUntrustedInternalConnections, and the exact entry to add. */
import { describeUntrustedConnectionHint, hostOf, isInternalIp, needsUntrustedConnectionAllowance } from './untrusted';

it.each([
  ['127.0.0.1', true], ['127.8.9.1', true], ['10.1.2.3', true], ['172.31.0.5', true], ['172.32.0.5', false],
  ['192.168.1.10', true], ['169.254.169.254', true], ['100.64.0.1', true], ['8.8.8.8', false],
  ['::1', true], ['fd12:3456::1', true], ['fe80::1', true], ['2001:4860:4860::8888', false], ['::ffff:127.0.0.1', true],
  ['not-an-ip', false],
])('isInternalIp(%s) → %s', (ip, expected) => {
  expect(isInternalIp(ip)).toBe(expected);
});

it('takes the host as Mattermost compares it: no port, no IPv6 brackets', () => {
  expect(hostOf('http://[::1]:8081/slash')).toBe('::1');
  expect(hostOf('http://backup.internal:8081/slash')).toBe('backup.internal');
});

describe('needsUntrustedConnectionAllowance', () => {
  const resolver = (table: Record<string, string[]>) => async (host: string) => {
    if (!table[host]) throw new Error(`ENOTFOUND ${host}`);
    return table[host];
  };

  const resolve = resolver({ 'backup.internal': ['10.0.0.7'], 'chat.example.com': ['93.184.215.14'], localhost: ['127.0.0.1', '::1'] });

  it.each([
    ['http://127.0.0.1:8081/slash', true],
    ['http://[::1]:8081/slash', true],
    ['http://localhost:8081/slash', true],
    ['http://backup.internal:8081/slash', true],
    ['https://chat.example.com/backup-dr/api/v1/slash', false],
    ['https://nowhere.invalid/slash', false],
  ])('%s → %s with nothing allowed', async (url, expected) => {
    expect(await needsUntrustedConnectionAllowance(url, '', resolve)).toBe(expected);
  });

  // Mattermost's matching: the host exactly as written, or each resolved address inside a CIDR entry.
  it.each([
    ['http://127.0.0.1:8081/slash', '127.0.0.1', false],
    ['http://127.0.0.1:8081/slash', 'chat.example.com  127.0.0.1', false],
    ['http://127.0.0.1:8081/slash', '127.0.0.0/8', false],
    ['http://127.0.0.1:8081/slash', '127.0.0.2 10.0.0.0/8', true],
    ['http://[::1]:8081/slash', '::1', false],
    ['http://backup.internal:8081/slash', 'backup.internal', false],
    ['http://backup.internal:8081/slash', '10.0.0.0/24', false],
    ['http://backup.internal:8081/slash', '10.0.0.7', true], // an address entry matches only a URL written with it
    ['http://localhost:8081/slash', 'localhost', false],
    ['http://localhost:8081/slash', '127.0.0.0/8', true], // ::1 is not covered
    ['http://localhost:8081/slash', '127.0.0.0/8 ::1/128', false],
    ['http://127.0.0.1:8081/slash', '127.0.0.1/99 127.0.0.1/8/1', true], // malformed ranges allow nothing
  ])('%s with %j allowed → %s', async (url, allowed, expected) => {
    expect(await needsUntrustedConnectionAllowance(url, allowed, resolve)).toBe(expected);
  });
});

describe('describeUntrustedConnectionHint', () => {
  it('names the exact host to add, how the setting is written, and where', () => {
    const hint = describeUntrustedConnectionHint('http://backup.internal:8081/backup-dr/api/v1/slash');
    expect(hint).toContain('Add backup.internal to ServiceSettings.AllowedUntrustedInternalConnections');
    expect(hint).toContain('"AllowedUntrustedInternalConnections": "backup.internal"');
    expect(hint).toContain('MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS="backup.internal"');
    expect(hint).toContain('separated by spaces');
    expect(hint).not.toContain(':8081 to');
  });

  it('gives an IPv6 loopback without brackets, as Mattermost matches it', () => {
    expect(describeUntrustedConnectionHint('http://[::1]:8081/slash')).toContain('Add ::1 to');
  });
});
