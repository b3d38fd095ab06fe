import { medianRun } from './measure';
import type { Measurement } from './report';

const run = (seconds: number, peakRssMB?: number): Measurement => ({ id: 'mm_backup_files', label: 'mmf', seconds, peakRssMB, mibPerSecond: 1024 / seconds });

describe('medianRun', () => {
  it('reports the run of median wall time, every run in the order run, and the highest peak of them all', () => {
    const median = medianRun([run(9.1, 180), run(7.4, 205), run(8.2, 190)]);
    expect(median).toMatchObject({ seconds: 8.2, mibPerSecond: 1024 / 8.2, samples: [9.1, 7.4, 8.2], peakRssMB: 205 });
  });

  it('takes the lower middle run of an even count, and leaves the peak out when no run measured one', () => {
    const median = medianRun([run(4), run(1), run(3), run(2)]);
    expect(median.seconds).toBe(2);
    expect(median.peakRssMB).toBeUndefined();
    expect(medianRun([run(5, Number.NaN), run(6, 150)]).peakRssMB).toBe(150);
  });
});
