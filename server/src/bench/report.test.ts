import { compare, comparisonTable, type Measurement } from './report';

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
      ['backup time: mmbackup / pg_dump -Fp > /dev/null', 1.5, 'PASS'],
      ['output size: repository / -Fc file', 1, 'PASS'],
      ['peak RSS of mmbackup backup --only db', 150, 'PASS'],
      ['restore time: mmbackup / pg_restore', 1.5, 'info'],
      ['file store throughput: mmbackup / tar+zstd', 0.5, 'info'],
    ]);
  });

  it('misses a target just over its limit; RSS must be strictly below 200 MB', () => {
    const slow = base.map((m) => (m.id === 'mm_backup_db' ? { ...m, seconds: 3.3, bytes: 101, peakRssMB: 200 } : m));
    expect(verdicts(slow).slice(0, 4).map((v) => v[2])).toEqual(['MISS', 'MISS', 'MISS', 'MISS']);
  });

  it('leaves out comparisons whose measurements are missing', () => {
    expect(compare(base.filter((m) => m.id !== 'pg_dump_fc')).map((c) => c.label)).not.toContain('backup time: mmbackup / pg_dump -Fc');
  });

  it('prints the target and verdict of each line', () => {
    expect(comparisonTable(compare(base)).split('\n')[2]).toBe('| backup time: mmbackup / pg_dump -Fc             | 0.300 x | <= 0.3 x |    PASS |');
  });
});
