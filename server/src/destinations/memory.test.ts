import { describeDestination } from './contract.testkit';
import { MemoryDestination } from './memory';

describeDestination('memory', async () => ({ destination: new MemoryDestination(), cleanup: async () => {} }));

test('removeMany counts one request per 1,000 names, like S3 DeleteObjects', async () => {
  const destination = new MemoryDestination();
  const names = Array.from({ length: 2500 }, (_, i) => `objects/${i}`);
  for (const name of names) await destination.save(name, Buffer.from('x'));
  await destination.removeMany(names);
  expect(destination.calls.removeMany).toBe(3);
  const left: string[] = [];
  for await (const o of destination.list('objects/')) left.push(o.name);
  expect(left).toEqual([]);
});
