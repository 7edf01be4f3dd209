/** Why the client did not talk to CAPI, and from when it may try again. */
export type CapiWaitReason = 'unregistered' | 'banned' | 'budget';

export class CapiUnavailableError extends Error {
  override name = 'CapiUnavailableError';
  constructor(
    readonly reason: CapiWaitReason,
    readonly retryAt?: Date,
  ) {
    super(describeWait(reason, retryAt));
  }
}

function describeWait(reason: CapiWaitReason, retryAt?: Date): string {
  switch (reason) {
    case 'unregistered':
      return 'not registered with CAPI: run `lapictl capi register`';
    case 'banned':
      return `CAPI banned this IP (403); no login before ${retryAt?.toISOString()}`;
    case 'budget':
      return `CAPI login budget spent; next login at ${retryAt?.toISOString()}`;
  }
}
