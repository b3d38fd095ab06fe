/**
 * The System Console's endpoints over HTTP (schedule and retention previews, destinations and their test,
 * and the fields status and backups gained), on the in-memory core, called as the plugin calls them: who may
 * call them, what the query may hold, what reaches the core, and the error body.
 */
import { startHarness, type Harness } from './api.testkit';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  for (const body of h.bodies) expect(body).not.toContain(h.secret);
  await h.stop();
});

const admin = () => h.plugin;
const get = async (path: string, headers: Record<string, string> = admin()) => {
  const res = await h.fetchText(path, { headers });
  return { status: res.status, body: JSON.parse(res.text) };
};

describe('GET schedule/preview', () => {
  it('passes cron, time zone and count to the core; the defaults are the settings in force and 5 runs', async () => {
    const plain = await get('/api/v1/schedule/preview');
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ valid: true, description: 'every day at 03:00 (UTC)' });
    expect(plain.body.nextRuns).toHaveLength(5);
    const given = await get(`/api/v1/schedule/preview?cron=${encodeURIComponent('30 2 * * 1-5')}&timeZone=Europe%2FBerlin&count=20`);
    expect(given.status).toBe(200);
    expect(h.core.scheduleRequests).toEqual([
      { cron: undefined, timeZone: undefined, count: 5 },
      { cron: '30 2 * * 1-5', timeZone: 'Europe/Berlin', count: 20 },
    ]);
  });

  it('answers an invalid cron expression with 200 valid: false (the admin is still typing)', async () => {
    const res = await get('/api/v1/schedule/preview?cron=bad');
    expect(res).toEqual({ status: 200, body: { valid: false, problem: expect.stringContaining('0 3 * * *') } });
  });

  it.each([
    ['count=0', /count "0" is not a whole number from 1 to 20/],
    ['count=21', /from 1 to 20/],
    ['count=2.5', /count "2.5"/],
    ['count=five', /count "five"/],
    ['cron=1&cron=2', /"cron" is given more than once/],
    ['crontab=0+3+*+*+*', /unknown query parameter "crontab"/],
    [`cron=${'x'.repeat(201)}`, /longer than 200 characters/],
  ])('refuses %s with 400 BAD_QUERY naming the parameter and a fix', async (query, message) => {
    const res = await get(`/api/v1/schedule/preview?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'BAD_QUERY', message: expect.stringMatching(message), fix: expect.any(String) });
    expect(h.core.scheduleRequests).toEqual([]);
  });
});

describe('GET retention/preview', () => {
  it('hands only the given values to the core, parsed: counts, unlimited, 0 (off), durations, zones', async () => {
    expect((await get('/api/v1/retention/preview')).status).toBe(200);
    const res = await get('/api/v1/retention/preview?keepLast=2&keepHourly=0&keepDaily=unlimited&keepWithin=1y2m&timeZone=America%2FNew_York');
    expect(res.body).toEqual({ description: 'keep last 3 (calendar in UTC)', snapshots: [{ id: 'abc123', finishedAt: 't1', keep: true, reasons: ['last 3 snapshots'] }] });
    await get('/api/v1/retention/preview?keepWithin=&keepYearly=');
    expect(h.core.retentionRequests).toEqual([
      {},
      { keepLast: 2, keepHourly: 0, keepDaily: Infinity, keepWithin: '1y2m', timeZone: 'America/New_York' },
      { keepWithin: '', keepYearly: 0 }, // emptied fields turn the rule off, as the settings read them
    ]);
  });

  it.each([
    ['keepLast=-1', /keepLast "-1" is not a whole number of snapshots or "unlimited"/, /keepLast=3/],
    ['keepWeekly=lots', /keepWeekly "lots"/, /0 turns the rule off/],
    ['keepWithin=30 days', /keepWithin "30 days" is not a duration/, /keepWithin=30d/],
    ['keepWithin=1d1d', /is not a duration/, /each unit once/],
    ['timeZone=Mars%2FOlympus', /timeZone "Mars\/Olympus" is not a time zone this system knows/, /Europe\/Berlin/],
    ['keepTag=x', /unknown query parameter "keepTag"/, /keepLast, keepHourly/],
  ])('refuses %s with 400 BAD_QUERY', async (query, message, fix) => {
    const res = await get(`/api/v1/retention/preview?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'BAD_QUERY', message: expect.stringMatching(message), fix: expect.stringMatching(fix) });
    expect(h.core.retentionRequests).toEqual([]);
  });
});

describe('destinations', () => {
  it('lists the destinations and the key fingerprint', async () => {
    const res = await get('/api/v1/destinations');
    expect(res.body).toEqual({ destinations: [{ role: 'primary', kind: 'local', location: '/var/backups/mattermost' }], encryption: { keyFingerprint: expect.stringMatching(/^[0-9a-f:]+$/) } });
  });

  it('tests them with a POST; a GET is refused with 405', async () => {
    const ok = await h.fetchText('/api/v1/destinations/test', { method: 'POST', headers: admin() });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ results: [{ role: 'primary', location: '/var/backups/mattermost', ok: true, latencyMs: 3, message: 'reachable and writable', fix: '' }] });
    expect(h.core.destinationTests).toBe(1);
    const wrongMethod = await h.fetchText('/api/v1/destinations/test', { headers: admin() });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('access to the console endpoints', () => {
  it.each(['/api/v1/schedule/preview', '/api/v1/retention/preview', '/api/v1/destinations'])('%s: 401 without the plugin secret', async (path) => {
    const res = await get(path, {});
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'BRIDGE_SECRET_MISMATCH', message: expect.any(String) });
  });

  it('POST destinations/test: 401 without the plugin secret, and nothing is probed', async () => {
    expect((await h.fetchText('/api/v1/destinations/test', { method: 'POST' })).status).toBe(401);
    expect(h.core.destinationTests).toBe(0);
  });
});

describe('fields the console reads from status and backups', () => {
  it('status carries health, reasons, lastFailure and the running job\'s progress fields', async () => {
    const headers = { ...admin(), 'Content-Type': 'application/json' };
    expect((await h.fetchText('/api/v1/backups', { method: 'POST', headers, body: '{}' })).status).toBe(202);
    const { body } = await get('/api/v1/status');
    expect(body).toMatchObject({ health: 'failing', healthReasons: ['No backup has succeeded yet.'], lastFailure: null });
    expect(body.running).toMatchObject({ kind: 'backup', step: 'dump-db', bytes: 0, totalBytes: null });
  });

  it('each backup carries verification, drill and restore commands', async () => {
    const { body } = await get('/api/v1/backups');
    expect(body[0]).toMatchObject({ verification: null, drill: null, restoreCommands: expect.arrayContaining([expect.stringMatching(/^mmbackup restore abc123/)]) });
  });
});
