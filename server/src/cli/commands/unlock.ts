import { removeLocks } from '../../repository/lock';
import { emit, openRepository, reporterFor, type GlobalOptions } from '../context';

export async function unlockCommand(options: GlobalOptions & { force?: boolean }): Promise<void> {
  const repository = await openRepository(options);
  const removed = await removeLocks(repository.destination, reporterFor(options), Boolean(options.force));
  emit(options, { removed }, removed.length ? `removed ${removed.length} lock(s)` : options.force ? 'no locks' : 'no stale locks (use --force to remove live ones, only if you are sure nothing runs)');
}
