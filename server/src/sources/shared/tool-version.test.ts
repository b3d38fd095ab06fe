/** Parsing the --version output of the tools we run. */
import { parseToolVersion } from './tool-version';

test.each([
  ['pg_dump', 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n', 15, 20, 'pg_dump 15.20'],
  ['psql', 'psql (PostgreSQL) 17beta1\n', 17, 0, 'psql 17beta1'],
  ['pg_dump', 'pg_dump (PostgreSQL) 9.6.24\n', 9, 6, 'pg_dump 9.6.24'],
  ['mariadb-dump', 'mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n', 10, 11, 'mariadb-dump 10.11.19-MariaDB'],
  ['mariadb-dump', 'mariadb-dump from 11.4.2-MariaDB, client 10.19 for Linux (x86_64)\n', 11, 4, 'mariadb-dump 11.4.2-MariaDB'],
  ['mysqldump', 'mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)\n', 8, 0, 'mysqldump 8.0.36'],
])('%s: %s', (name, output, major, minor, text) => {
  expect(parseToolVersion(name, output)).toEqual({ major, minor, text });
});

test('no version in the output', () => {
  expect(parseToolVersion('x', 'usage: x [options]')).toBeUndefined();
});
