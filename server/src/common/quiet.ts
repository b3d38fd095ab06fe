/**
 * `promise`, marked as handled: it is started now and awaited later, and a failure meanwhile must not be
 * reported as an unhandled rejection (which ends the process). Whoever awaits it still gets the failure.
 */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
