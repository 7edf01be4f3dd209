/** Where a failed publish is reported: a Nest Logger, or anything with its warn. */
export interface PublishFailureLog {
  warn(message: string): void;
}

/**
 * Publishes news of a write that is already committed. A failure cannot undo the write, so the
 * caller answers from the commit: the failure is logged and left to the nodes, which find a lost
 * decision change through their head check and a lost revocation through their caches' refresh.
 */
export async function publishAfterCommit(log: PublishFailureLog, what: string, publish: () => Promise<void>): Promise<void> {
  await publish().catch((e: Error) => log.warn(`publish of ${what} failed (nodes will catch up): ${e.message}`));
}
