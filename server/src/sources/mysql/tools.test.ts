/** Choosing the MySQL-family tools by server family, and the error when none is installed. */
import { preferredToolNames, selectMysqlTool } from './tools';

test.each([
  ['dump', true, ['mariadb-dump', 'mysqldump']],
  ['dump', false, ['mysqldump', 'mariadb-dump']],
  ['client', true, ['mariadb', 'mysql']],
  ['client', false, ['mysql', 'mariadb']],
] as const)('%s for MariaDB=%s', (kind, maria, names) => {
  expect(preferredToolNames(kind, maria)).toEqual(names);
});

test('no tool in PATH: DUMP_TOOL_MISSING naming the Debian package', async () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const err = await selectMysqlTool('dump', true, 'dump-db').catch((e) => e);
    expect(err).toMatchObject({ step: 'dump-db', code: 'DUMP_TOOL_MISSING' });
    expect(err.message).toContain('mariadb-dump or mysqldump');
    expect(err.fix).toContain('mariadb-client');
  } finally {
    process.env.PATH = saved;
  }
});
