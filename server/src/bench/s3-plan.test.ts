import { DISK_FACTOR, MIN_FILES, fitToDisk } from './s3-plan';

const GIB = 2 ** 30;

describe('fitToDisk', () => {
  it('keeps the asked file count when the disk holds four times the store', () => {
    expect(DISK_FACTOR).toBe(4);
    expect(fitToDisk(10_000, GIB, 4 * GIB, '/tmp')).toEqual({ files: 10_000 });
    expect(fitToDisk(10_000, GIB, 80 * GIB, '/tmp')).toEqual({ files: 10_000 });
  });

  it('scales the file count down in proportion and says why', () => {
    expect(fitToDisk(10_000, GIB, 2 * GIB, '/tmp')).toEqual({
      files: 5_000,
      scaledDown: 'scaled down from 10,000 to 5,000 files: 2.0 GiB free in /tmp, 4.0 GiB needed for the full case',
    });
    expect(fitToDisk(10_000, GIB, 4 * GIB - 1, '/tmp').files).toBe(9_999);
  });

  it('refuses a disk too small for MIN_FILES, naming the space and the ways out', () => {
    expect(MIN_FILES).toBe(1_000);
    expect(fitToDisk(10_000, GIB, 0.4 * GIB, '/tmp').files).toBe(1_000);
    expect(() => fitToDisk(10_000, GIB, 0.39 * GIB, '/tmp')).toThrow(
      expect.objectContaining({ code: 'BENCH_S3_NO_ROOM', message: 'the S3 case needs about 4.0 GiB free in /tmp for 10,000 files, and 0.4 GiB is free', fix: expect.stringContaining('BENCH_S3=0') }),
    );
  });
});
