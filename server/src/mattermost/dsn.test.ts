import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, redact } from '../common/redact';
import { describeConnection, formatDsn, formatPostgresUrl, looksLikeDsn, parseDsn, toGoMysqlDsn } from './dsn';
import type { DbConnection } from './types';

afterEach(() => clearSecretsForTests());

type Expected = Omit<DbConnection, 'params'> & { params?: Record<string, string> };

const pg = (fields: Partial<DbConnection>): Expected => ({ driver: 'postgres', host: 'localhost', port: 5432, user: '', database: '', ...fields });
const my = (fields: Partial<DbConnection>): Expected => ({ driver: 'mysql', host: '127.0.0.1', port: 3306, user: '', database: '', ...fields });

const valid: Array<[string, Expected]> = [
  // PostgreSQL URLs
  ['postgres://mmuser:mostest@localhost:5432/mattermost?sslmode=disable&connect_timeout=10',
    pg({ user: 'mmuser', password: 'mostest', database: 'mattermost', params: { sslmode: 'disable', connect_timeout: '10' } })],
  ['postgresql://mmuser:pw@db.example.com/mattermost', pg({ host: 'db.example.com', user: 'mmuser', password: 'pw', database: 'mattermost' })],
  ['postgres://mmuser:p%40ss%3Aw%2Fo%23rd%3F@db:6432/mm', pg({ host: 'db', port: 6432, user: 'mmuser', password: 'p@ss:w/o#rd?', database: 'mm' })],
  ['postgres://mmuser:p@ss@db/mm', pg({ host: 'db', user: 'mmuser', password: 'p@ss', database: 'mm' })],
  ['postgres://mmuser:a:b:c@db/mm', pg({ host: 'db', user: 'mmuser', password: 'a:b:c', database: 'mm' })],
  ['postgres://mmuser:@db/mm', pg({ host: 'db', user: 'mmuser', password: '', database: 'mm' })],
  ['postgres://m%C3%BCller@db/m%20m', pg({ host: 'db', user: 'müller', database: 'm m' })],
  ['postgres://db/mattermost?user=mmuser&password=s%26cret%2Bx&sslmode=require',
    pg({ host: 'db', user: 'mmuser', password: 's&cret+x', database: 'mattermost', params: { sslmode: 'require' } })],
  ['postgres://olduser:oldpw@db/mm?user=newuser&password=newpw', pg({ host: 'db', user: 'newuser', password: 'newpw', database: 'mm' })],
  ['postgres://mmuser@/mattermost?host=/var/run/postgresql', pg({ host: '/var/run/postgresql', user: 'mmuser', database: 'mattermost', socket: true })],
  ['postgres://mmuser@%2Fvar%2Frun%2Fpostgresql:5433/mattermost', pg({ host: '/var/run/postgresql', port: 5433, user: 'mmuser', database: 'mattermost', socket: true })],
  ['postgres://mmuser@/mattermost?host=%2Ftmp&port=5499', pg({ host: '/tmp', port: 5499, user: 'mmuser', database: 'mattermost', socket: true })],
  ['postgres://mmuser@[::1]:5433/mm', pg({ host: '::1', port: 5433, user: 'mmuser', database: 'mm' })],
  ['postgres://mmuser@[fe80::1]/mm', pg({ host: 'fe80::1', user: 'mmuser', database: 'mm' })],
  ['postgres://mmuser@db/?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem', pg({ host: 'db', user: 'mmuser', database: 'mmuser', params: { sslmode: 'verify-full', sslrootcert: '/etc/ca.pem' } })],
  ['postgres://mmuser@db/mm?dbname=other&sslpassword=keypass1', pg({ host: 'db', user: 'mmuser', database: 'other' })],
  ['POSTGRES://u@h/d', pg({ host: 'h', user: 'u', database: 'd' })],
  ['  postgres://u@h/d  ', pg({ host: 'h', user: 'u', database: 'd' })],
  // Go-MySQL DSNs (legacy Mattermost)
  ['mmuser:mostest@tcp(localhost:3306)/mattermost?charset=utf8mb4,utf8&readTimeout=30s&writeTimeout=30s',
    my({ host: 'localhost', user: 'mmuser', password: 'mostest', database: 'mattermost', params: { charset: 'utf8mb4,utf8', readTimeout: '30s', writeTimeout: '30s' } })],
  ['mmuser:pw@tcp(db.example.com)/mm', my({ host: 'db.example.com', user: 'mmuser', password: 'pw', database: 'mm' })],
  ['mmuser:pw@tcp(:3307)/mm', my({ port: 3307, user: 'mmuser', password: 'pw', database: 'mm' })],
  ['mmuser:pw@/mm', my({ user: 'mmuser', password: 'pw', database: 'mm' })],
  ['mmuser:p@ss:w@rd@tcp(db:3306)/mm', my({ host: 'db', user: 'mmuser', password: 'p@ss:w@rd', database: 'mm' })],
  ['mmuser:pa/ss)w(rd@tcp(db:3306)/mm', my({ host: 'db', user: 'mmuser', password: 'pa/ss)w(rd', database: 'mm' })],
  ['mmuser:%41%20x@tcp(db)/mm', my({ host: 'db', user: 'mmuser', password: '%41%20x', database: 'mm' })],
  ['mmuser:pw@unix(/var/run/mysqld/mysqld.sock)/mattermost?charset=utf8mb4',
    my({ host: '/var/run/mysqld/mysqld.sock', user: 'mmuser', password: 'pw', database: 'mattermost', socket: true, params: { charset: 'utf8mb4' } })],
  ['mmuser@unix()/mm', my({ host: '/tmp/mysql.sock', user: 'mmuser', database: 'mm', socket: true })],
  ['mmuser:pw@tcp([::1]:3310)/mm', my({ host: '::1', port: 3310, user: 'mmuser', password: 'pw', database: 'mm' })],
  ['mmuser:pw@tcp6(::1)/mm', my({ host: '::1', user: 'mmuser', password: 'pw', database: 'mm' })],
  ['tcp(db:3306)/mm', my({ host: 'db', database: 'mm' })],
  ['mmuser:pw@tcp(db)/mm?loc=Europe%2FBerlin&x=a+b', my({ host: 'db', user: 'mmuser', password: 'pw', database: 'mm', params: { loc: 'Europe/Berlin', x: 'a b' } })],
  // mysql:// as MM_CONFIG takes it (a Go DSN after the scheme), and as a URL
  ['mysql://mmuser:pw@tcp(db:3306)/mattermost?charset=utf8mb4,utf8', my({ host: 'db', user: 'mmuser', password: 'pw', database: 'mattermost', params: { charset: 'utf8mb4,utf8' } })],
  ['mysql://mmuser:p%40ss@db:3307/mattermost?tls=skip-verify', my({ host: 'db', port: 3307, user: 'mmuser', password: 'p@ss', database: 'mattermost', params: { tls: 'skip-verify' } })],
  ['mysql://mmuser:pw@db/mattermost', my({ host: 'db', user: 'mmuser', password: 'pw', database: 'mattermost' })],
  ['mysql://root@localhost/mm?socket=%2Frun%2Fmysqld%2Fmysqld.sock', my({ host: '/run/mysqld/mysqld.sock', user: 'root', database: 'mm', socket: true })],
];

describe('parseDsn', () => {
  test.each(valid)('%s', (dsn, expected) => {
    const { params = {}, ...rest } = expected;
    const conn = parseDsn(dsn);
    expect(conn).toEqual({ ...rest, params });
  });

  test('registers every password it parses, raw and decoded', () => {
    parseDsn('postgres://mmuser:s%40cret-one@db/mm');
    parseDsn('mmuser:secret@two@tcp(db)/mm');
    parseDsn('postgres://db/mm?user=x&password=secret-three');
    expect(redact('s@cret-one s%40cret-one secret@two secret-three')).toBe('*** *** *** ***');
  });
});

const invalid: Array<[string, string, RegExp]> = [
  ['empty', '', /is empty/],
  ['unknown scheme', 'sqlserver://u:topsecret@h/db', /scheme "sqlserver" is not supported/],
  ['port not a number (unencoded / in password)', 'postgres://mmuser:top/secret@db/mm', /port is not a number/],
  ['port out of range', 'postgres://mmuser:topsecret@db:99999/mm', /port is not a number/],
  ['bad percent-encoding in password', 'postgres://mmuser:top%zzsecret@db/mm', /percent-encoding in the password/],
  ['several hosts', 'postgres://mmuser:topsecret@db1,db2/mm', /several hosts/],
  ['mysql without database', 'mmuser:topsecret@tcp(db:3306)/', /names no database/],
  ['mysql url without database', 'mysql://mmuser:topsecret@db:3306', /names no database/],
  ['go dsn without slash', 'mmuser:topsecret@tcp(db:3306)', /neither a postgres:\/\/ URL nor a MySQL DSN/],
  ['unclosed address', 'mmuser:topsecret@tcp(db:3306/mm', /not closed with '\)'/],
  ['unsupported network', 'mmuser:topsecret@cloudsql(x)/mm', /network "cloudsql" is not supported/],
  ['missing @ puts password in net', 'mmuser:topsecret(tcp)/mm', /network given is not supported/],
  ['param without =', 'mmuser:topsecret@tcp(db)/mm?charset', /parameter 1 after '\?'/],
  ['bad mysql port', 'mmuser:topsecret@tcp(db:x3)/mm', /port is not a number/],
];

describe('parseDsn errors', () => {
  test.each(invalid)('%s', (_name, dsn, message) => {
    let error: unknown;
    try {
      parseDsn(dsn, 'SqlSettings.DataSource in /opt/mattermost/config/config.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MmBackupError);
    const e = error as MmBackupError;
    expect(e).toMatchObject({ step: 'read-config', code: 'BAD_DSN', exitCode: 2 });
    expect(e.message).toMatch(/^SqlSettings\.DataSource in \/opt\/mattermost\/config\/config\.json is not a usable database address: /);
    expect(e.message).toMatch(message);
    expect(`${e.message} ${e.fix}`).not.toMatch(/secret/);
  });

  test('without a source the message still reads well', () => {
    expect(() => parseDsn('nonsense')).toThrow(/^The database address is not a usable database address: /);
  });
});

describe('looksLikeDsn', () => {
  test.each([
    ['postgres://u@h/d', true],
    ['postgresql://u@h/d', true],
    ['mysql://u:p@tcp(h)/d', true],
    ['u:p@tcp(h:3306)/d', true],
    ['u:p@unix(/run/mysqld/mysqld.sock)/d', true],
    ['u:p@/d', true],
    ['/opt/mattermost/config/config.json', false],
    ['config/config.json', false],
    ['./config.json', false],
    ['/home/me@corp/config.json', false],
    ['file:///opt/mattermost/config/config.json', false],
  ])('%s → %s', (text, expected) => expect(looksLikeDsn(text)).toBe(expected));
});

describe('describeConnection', () => {
  test.each([
    ['postgres://mmuser:topsecret@127.0.0.1:5432/mattermost?sslmode=disable', 'postgres://mmuser@127.0.0.1:5432/mattermost'],
    ['postgres://mmuser:topsecret@/mattermost?host=/var/run/postgresql', 'postgres://mmuser@/mattermost?host=/var/run/postgresql'],
    ['postgres://mmuser:topsecret@/mattermost?host=/tmp&port=5433', 'postgres://mmuser@/mattermost?host=/tmp&port=5433'],
    ['postgres://mmuser:topsecret@[::1]/mm', 'postgres://mmuser@[::1]:5432/mm'],
    ['mmuser:topsecret@tcp(db:3306)/mattermost', 'mysql://mmuser@db:3306/mattermost'],
    ['mmuser:topsecret@unix(/run/mysqld/mysqld.sock)/mattermost', 'mysql://mmuser@unix(/run/mysqld/mysqld.sock)/mattermost'],
  ])('%s', (dsn, text) => {
    const conn = parseDsn(dsn);
    expect(describeConnection(conn)).toBe(text);
    // The description is itself a DSN for the same server.
    const again = parseDsn(text);
    expect({ ...again, password: conn.password, params: conn.params }).toEqual(conn);
  });
});

describe('formatting round-trips', () => {
  test.each([
    'postgres://mmuser:p%40ss%2Fw%3Ard%20%23x@db.example.com:5433/matter%20most?sslmode=require&connect_timeout=10',
    'postgres://mmuser:pw@/mattermost?host=/var/run/postgresql&port=5433',
    'postgres://mmuser@[::1]:5432/mm',
  ])('formatPostgresUrl(parseDsn(%s))', (dsn) => {
    const conn = parseDsn(dsn);
    expect(parseDsn(formatPostgresUrl(conn))).toEqual(conn);
  });

  test.each([
    'mmuser:p@ss:w/rd)@tcp(db:3306)/mattermost?charset=utf8mb4,utf8&readTimeout=30s&multiStatements=true',
    'mmuser:pw@unix(/run/mysqld/mysqld.sock)/mattermost',
    'mmuser:pw@tcp([::1]:3306)/mm?loc=Europe%2FBerlin',
    'mysql://mmuser:p%40ss@db:3307/mattermost',
  ])('toGoMysqlDsn(parseDsn(%s))', (dsn) => {
    const conn = parseDsn(dsn);
    expect(parseDsn(toGoMysqlDsn(conn))).toEqual(conn);
  });

  test('formatDsn keeps the original parameters unless the target sets them', () => {
    const original = parseDsn('mmuser:old@tcp(old:3306)/mattermost?charset=utf8mb4,utf8&multiStatements=true&readTimeout=30s');
    const target = parseDsn('mysql://mmuser:new@newdb:3306/mattermost?readTimeout=60s');
    expect(formatDsn(target, original)).toBe('mmuser:new@tcp(newdb:3306)/mattermost?charset=utf8mb4,utf8&multiStatements=true&readTimeout=60s');
    const pgTarget = parseDsn('postgres://mmuser:new@newdb/mattermost');
    expect(formatDsn(pgTarget, original)).toBe('postgres://mmuser:new@newdb:5432/mattermost');
    expect(formatDsn(pgTarget, parseDsn('postgres://a:b@old/mm?sslmode=disable'))).toBe('postgres://mmuser:new@newdb:5432/mattermost?sslmode=disable');
  });

  test('a user name with a colon cannot be a Go-MySQL DSN', () => {
    expect(() => toGoMysqlDsn({ driver: 'mysql', host: 'h', port: 3306, user: 'a:b', database: 'd', params: {} })).toThrow(/user name contains ':'/);
  });
});
