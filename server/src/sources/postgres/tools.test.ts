/** Choosing pg_dump: a table of installed versions against server versions. */
import type { ToolCandidate } from '../shared/tool-version';
import { choosePgDump, selectPgDump } from './tools';

const tool = (path: string, major: number, minor: number): ToolCandidate => ({ path, version: { major, minor, text: `pg_dump ${major}.${minor}` } });

describe('choosePgDump', () => {
  const cases: Array<[string, ToolCandidate[], number, string]> = [
    ['nothing installed', [], 15, 'none'],
    ['the only one is older than the server', [tool('/usr/bin/pg_dump', 14, 11)], 15, 'too-old /usr/bin/pg_dump'],
    ['same major is fine', [tool('/usr/bin/pg_dump', 15, 2)], 15, 'ok /usr/bin/pg_dump'],
    ['the newest acceptable wins', [tool('/a/15', 15, 20), tool('/a/17', 17, 1), tool('/a/16', 16, 5)], 15, 'ok /a/17'],
    ['minor versions order too', [tool('/a/16.1', 16, 1), tool('/a/16.3', 16, 3)], 16, 'ok /a/16.3'],
    ['ties keep PATH order', [tool('/first', 16, 3), tool('/second', 16, 3)], 16, 'ok /first'],
    ['older ones are skipped', [tool('/a/13', 13, 0), tool('/a/16', 16, 0)], 14, 'ok /a/16'],
    ['too old names the newest installed', [tool('/a/13', 13, 9), tool('/a/14', 14, 2)], 16, 'too-old /a/14'],
  ];
  test.each(cases)('%s', (_name, candidates, serverMajor, expected) => {
    const choice = choosePgDump(candidates, serverMajor);
    const shown = choice.kind === 'ok' ? `ok ${choice.tool.path}` : choice.kind === 'too-old' ? `too-old ${choice.newest.path}` : 'none';
    expect(shown).toBe(expected);
  });
});

describe('selectPgDump errors', () => {
  test('too old: PG_DUMP_TOO_OLD naming both versions and the package to install', async () => {
    const err = await selectPgDump('dump-db', '16.2', 16, [tool('/usr/lib/postgresql/14/bin/pg_dump', 14, 11)]).catch((e) => e);
    expect(err).toMatchObject({ step: 'dump-db', code: 'PG_DUMP_TOO_OLD' });
    expect(err.message).toContain('pg_dump 14.11');
    expect(err.message).toContain('PostgreSQL 16.2');
    expect(err.fix).toContain('postgresql-client-16');
  });

  test('none: DUMP_TOOL_MISSING with the Debian package', async () => {
    const err = await selectPgDump('dump-db', '15.4', 15, []).catch((e) => e);
    expect(err).toMatchObject({ code: 'DUMP_TOOL_MISSING' });
    expect(err.fix).toContain('postgresql-client-15');
  });
});
