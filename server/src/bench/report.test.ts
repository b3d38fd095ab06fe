import { compare, comparisonTable, formatReport, s3Lines, type BenchResults, type Measurement, type S3Facts } from './report';

const base: Measurement[] = [
  { id: 'pg_dump_fc', label: 'fc', seconds: 10, bytes: 100 },
  { id: 'pg_dump_floor', label: 'floor', seconds: 2 },
  { id: 'mm_backup_db', label: 'mm', seconds: 3, bytes: 100, peakRssMB: 150 },
  { id: 'pg_restore', label: 'pgr', seconds: 20 },
  { id: 'mm_restore_db', label: 'mmr', seconds: 30 },
  { id: 'tar_zstd', label: 'tar', seconds: 1, mibPerSecond: 200 },
  { id: 'mm_backup_files', label: 'mmf', seconds: 2, mibPerSecond: 100 },
];

const verdicts = (ms: Measurement[]) => compare(ms).map((c) => [c.label, Number(c.value.toFixed(3)), c.verdict]);

describe('bench comparisons', () => {
  it('marks each target PASS or MISS, and lines without a target as info', () => {
    expect(verdicts(base)).toEqual([
      ['backup time: mmbackup / pg_dump -Fc', 0.3, 'PASS'],
      ['db backup time: mmbackup / pg_dump -Fp > /dev/null (floor)', 1.5, 'PASS'],
      ['output size: repository / -Fc file', 1, 'PASS'],
      ['peak RSS of mmbackup backup --only db', 150, 'PASS'],
      ['restore time: mmbackup / pg_restore', 1.5, 'info'],
      ['file store throughput: mmbackup / tar+zstd', 0.5, 'info'],
      ['peak RSS, every mmbackup command (highest: mm)', 150, 'PASS'],
    ]);
  });

  it('misses a target just over its limit; RSS must be strictly below 200 MB', () => {
    const slow = base.map((m) => (m.id === 'mm_backup_db' ? { ...m, seconds: 4.1, bytes: 101, peakRssMB: 200 } : m));
    expect(verdicts(slow).slice(0, 4).map((v) => v[2])).toEqual(['MISS', 'MISS', 'MISS', 'MISS']);
    expect(verdicts(slow).at(-1)).toEqual(['peak RSS, every mmbackup command (highest: mm)', 200, 'MISS']);
  });

  it('leaves out comparisons whose measurements are missing', () => {
    expect(compare(base.filter((m) => m.id !== 'pg_dump_fc')).map((c) => c.label)).not.toContain('backup time: mmbackup / pg_dump -Fc');
  });

  it('prints the target and verdict of each line', () => {
    expect(comparisonTable(compare(base)).split('\n')[2]).toMatch(/^\| backup time: mmbackup \/ pg_dump -Fc +\| 0\.300 x \| <= 0\.3 x \| +PASS \|$/);
  });
});

describe('restic comparisons', () => {
  const restic: Measurement[] = [
    { id: 'pg_dump_floor', label: 'floor', seconds: 2 },
    { id: 'restic_backup_db', label: 'restic db', seconds: 4 },
    { id: 'mm_backup_db', label: 'mm db', seconds: 3.9, peakRssMB: 120 },
    { id: 'restic_backup_files', label: 'restic files', seconds: 10, mibPerSecond: 102.4, objects: 79 },
    { id: 'mm_backup_files', label: 'mm files', seconds: 6, mibPerSecond: 170.7, objects: 60, peakRssMB: 180 },
    { id: 'mm_backup_files_unchanged', label: 'mm again', seconds: 0.5, peakRssMB: 90 },
    { id: 'restic_restore_files', label: 'restic restore', seconds: 8, mibPerSecond: 128 },
    { id: 'mm_restore_files', label: 'mm restore', seconds: 6, mibPerSecond: 170.7, peakRssMB: 210 },
    { id: 'restic_check_files', label: 'restic check', seconds: 12, mibPerSecond: 85.3 },
    { id: 'mm_verify_files', label: 'mm verify', seconds: 8, mibPerSecond: 128, peakRssMB: 150 },
  ];
  it('states the targets of the issue: 1.5x restic both ways, 128 objects per GiB, a tenth for an unchanged store, RSS of every command', () => {
    expect(verdicts(restic)).toEqual([
      ['db backup time: mmbackup / pg_dump -Fp > /dev/null (floor)', 1.95, 'PASS'],
      ['db backup time: mmbackup / pg_dump -Fp | restic backup --stdin', 0.975, 'PASS'],
      ['peak RSS of mmbackup backup --only db', 120, 'PASS'],
      ['file store backup, cold: mmbackup / restic throughput', 1.667, 'PASS'],
      ['file store restore, cold: mmbackup / restic throughput', 1.334, 'MISS'],
      ['objects stored per GiB of file store: mmbackup', 59.988, 'PASS'],
      ['objects stored per GiB of file store: restic', 79, 'info'],
      ['file store read-back check, cold: verify --read-data / restic check --read-data throughput', 1.501, 'info'],
      ['file store backup time, unchanged store: 2nd / 1st', 0.083, 'PASS'],
      ['peak RSS, every mmbackup command (highest: mm restore)', 210, 'MISS'],
    ]);
  });
});

const s3: Measurement[] = [
  { id: 's3_upload_raw', label: 'raw', seconds: 10, mibPerSecond: 100 },
  { id: 's3_mm_backup_files', label: 'first', seconds: 20, mibPerSecond: 80 },
  { id: 's3_mm_backup_unchanged', label: 'again', seconds: 1.9 },
  { id: 's3_mm_backup_unchanged_warm', label: 'warm', seconds: 1 },
];
const withS3 = (first: Partial<Measurement>, again: Partial<Measurement> = {}) =>
  verdicts(s3.map((m) => (m.id === 's3_mm_backup_files' ? { ...m, ...first } : m.id === 's3_mm_backup_unchanged' ? { ...m, ...again } : m)));

describe('S3 comparisons', () => {
  it('wants at least 0.8 of the raw upload throughput, and an unchanged backup under a tenth of the first', () => {
    expect(withS3({})).toEqual([
      ['S3 throughput: mmbackup / lib-storage Upload alone', 0.8, 'PASS'],
      ['S3 backup time, unchanged store: 2nd / 1st', 0.095, 'PASS'],
      ['S3 backup time, unchanged store, warm cache: 2nd / 1st', 0.05, 'info'],
    ]);
  });

  it('misses just under 0.8 of the throughput, and a second backup of exactly a tenth', () => {
    expect(withS3({ mibPerSecond: 79.9 }, { seconds: 2 }).map((v) => v[2])).toEqual(['MISS', 'MISS', 'info']);
  });

  it('sets the S3 backup and restore beside restic on the same server', () => {
    const both = [...s3, { id: 's3_restic_backup_files', label: 'rb', seconds: 8, mibPerSecond: 40 }, { id: 's3_mm_restore_files', label: 'mr', seconds: 5, mibPerSecond: 60 }, { id: 's3_restic_restore_files', label: 'rr', seconds: 5, mibPerSecond: 30 }] as Measurement[];
    expect(verdicts(both).slice(-2)).toEqual([
      ['S3 backup: mmbackup / restic throughput', 2, 'info'],
      ['S3 restore: mmbackup / restic throughput', 2, 'info'],
    ]);
  });

  it('leaves the S3 lines out when the case did not run, and the throughput line without the raw upload', () => {
    expect(verdicts(base).some(([label]) => String(label).startsWith('S3'))).toBe(false);
    expect(verdicts(s3.filter((m) => m.id !== 's3_upload_raw')).map((v) => v[0])).toEqual(['S3 backup time, unchanged store: 2nd / 1st', 'S3 backup time, unchanged store, warm cache: 2nd / 1st']);
  });

  it('prints an at-least target as >=', () => {
    expect(comparisonTable(compare(s3)).split('\n')[2]).toMatch(/^\| S3 throughput: mmbackup \/ lib-storage Upload alone +\| 0\.800 x \| >= 0\.8 x \| +PASS \|$/);
  });
});

const facts: S3Facts = {
  server: 'MinIO v0.0.0-20251015172955-9e49d5e7a648 on loopback, in a child process',
  tempDir: '/tmp/mmbackup-bench-s3-x',
  files: 10_000,
  bytes: 1093 * 2 ** 20,
  cache: 'cold',
  first: { bytesWritten: 900 * 2 ** 20, chunksNew: 10_500, chunksReused: 3 },
  unchanged: { bytesWritten: 2048, chunksNew: 1, chunksReused: 10_502 },
  serverCpuSeconds: { upload: 4.5, first: 30.25, unchanged: NaN },
};

describe('S3 report lines', () => {
  it('say where it ran, what the second backup wrote and what the server cost', () => {
    expect(s3Lines(facts)).toEqual([
      'S3: MinIO v0.0.0-20251015172955-9e49d5e7a648 on loopback, in a child process, data in /tmp/mmbackup-bench-s3-x (removed); store of 10,000 files, 1093 MiB, cold cache',
      'S3: first backup wrote 900 MiB in 10,500 new chunks; the unchanged one 2.0 KiB in 1 new chunks (10,502 reused)',
      'S3: server CPU seconds: 4.50 serving the raw upload, 30.25 the first backup, - the unchanged one',
    ]);
  });

  it('say when the case was scaled down to fit the disk', () => {
    expect(s3Lines({ ...facts, scaledDown: 'scaled down from 10,000 to 5,000 files: ...' }).at(-1)).toBe('S3: scaled down from 10,000 to 5,000 files: ...');
  });

  it('appear in the report only when the S3 case ran', () => {
    const results: BenchResults = {
      startedAt: '', durationSeconds: 1,
      machine: { cpus: 2, memoryBytes: 2 ** 34, node: 'v22', loadAverage: 0.1 },
      database: { name: 'db', posts: 1, sizeBytes: 2 ** 30, reused: true, plainDumpBytes: 1, bytesWritten: 1, chunks: 1 },
      fileStore: { dir: '/f', files: 1, bytes: 1, reused: true, cache: 'cold' },
      measurements: [], comparisons: [],
    };
    expect(formatReport(results)).not.toContain('S3:');
    expect(formatReport({ ...results, s3: facts }).split('\n').slice(3, 6)).toEqual(s3Lines(facts));
  });
});
