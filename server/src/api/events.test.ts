/**
 * GET /api/v1/events as the plugin reads it: `hello` first, events with growing ids, `: ping` comments, the
 * ring of the last events for Last-Event-ID (also across a restart of the bridge), and streams that end
 * when the client leaves.
 */
import { registerSecret } from '../common/redact';
import { startHarness, type Harness } from './api.testkit';
import { EventHub } from './events';
import { PluginClient } from '../../test/support/plugin';

let h: Harness;

beforeEach(async () => {
  h = await startHarness({ heartbeatMs: 40 });
});

afterEach(async () => {
  await h.stop();
});

const follow = (lastEventId?: string) => new PluginClient(h.url, h.secret).follow(lastEventId);

const alert = (n: number) => ({ id: `backup-failed:job-${n}`, kind: 'backup-failed' as const, severity: 'error' as const, message: `alert ${n}` });

it('says hello first, then sends each event with a growing id, and pings while idle', async () => {
  const stream = await follow();
  await stream.until('hello', () => stream.events.length >= 1);
  expect(stream.events[0]).toMatchObject({ event: 'hello', data: { protocol: 1, bridgeVersion: '0.1.0', host: 'test-host' } });
  h.core.events.publish('alert', alert(1));
  h.core.events.publish('reply', { id: 'job-1:outcome', channelId: 'c1', message: '@alice backup finished' });
  await stream.until('two pings', () => stream.events.filter((e) => e.event === 'comment').length >= 2);
  const real = stream.events.filter((e) => e.event !== 'comment');
  expect(real.map((e) => e.event)).toEqual(['hello', 'alert', 'reply']);
  expect(Number(real[2].id)).toBe(Number(real[1].id) + 1);
  expect(real[1].data).toEqual(alert(1));
  expect(stream.events.find((e) => e.event === 'comment')!.data).toBe(': ping');
  await stream.stop();
});

it('replays what a reconnecting client missed after its Last-Event-ID, and redacts every event', async () => {
  const first = await follow();
  h.core.events.publish('alert', alert(1));
  await first.until('the alert', () => first.events.some((e) => e.event === 'alert'));
  const seen = first.events.find((e) => e.event === 'alert')!.id;
  await first.stop();
  registerSecret('s3cr3t-in-a-message');
  h.core.events.publish('alert', { ...alert(2), message: 'cannot open with s3cr3t-in-a-message' });
  h.core.events.publish('alert', alert(3));
  const again = await follow(seen);
  await again.until('the missed alerts', () => again.events.filter((e) => e.event === 'alert').length >= 2);
  const alerts = again.events.filter((e) => e.event === 'alert');
  expect(alerts.map((e) => e.data.id)).toEqual(['backup-failed:job-2', 'backup-failed:job-3']);
  expect(alerts[0].data.message).toBe('cannot open with ***');
  await again.stop();
  await new Promise((r) => setTimeout(r, 50));
  expect(h.core.events.followers).toBe(0);
});

it('keeps the last events only, and replays them all to a client whose id is from an earlier run', () => {
  const hub = new EventHub({ version: 'x', firstId: 1000, ringSize: 3 });
  for (let n = 1; n <= 5; n++) hub.publish('alert', alert(n));
  expect(hub.recent().map((e) => e.id)).toEqual([1002, 1003, 1004]);
  expect(hub.since(1003).map((e) => e.id)).toEqual([1004]);
  expect(hub.since(1).map((e) => e.id)).toEqual([1002, 1003, 1004]);
  // Ids only grow: a restarted bridge starts at its start time, so an id above ours is from before a restart
  // of a bridge whose clock was behind; every kept event is new to that client.
  expect(hub.since(99_999).map((e) => e.id)).toEqual([1002, 1003, 1004]);
  const restarted = new EventHub({ version: 'x' });
  expect(restarted.publish('alert', alert(6)).id).toBeGreaterThan(Date.now() - 60_000);
});
