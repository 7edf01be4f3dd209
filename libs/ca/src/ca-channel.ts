import type { CaReply, CaRequest } from '@lapi/bus';

/** What the enrollment route sends the CA; abstract so standalone calls it in-process and the cluster over NATS. */
export abstract class CaChannel {
  abstract request(req: CaRequest): Promise<CaReply>;
}
