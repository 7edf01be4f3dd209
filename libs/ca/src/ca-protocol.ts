/** What the enrollment route asks the CA process, over the bus (request-reply) or in-process. */
export type CaRequest =
  /** A new host with an enrollment token: the token gives the role. */
  | { op: 'enroll'; token: string; name: string; csr: string }
  /** A host whose current certificate the route has verified: same name and role, no token. */
  | { op: 'renew'; name: string; role: CertificateRoleName; csr: string };

export type CertificateRoleName = 'agent' | 'bouncer';

export type CaReply =
  | { ok: true; cert: string; ca: string; serial: string; notAfter: string }
  | { ok: false; error: 'bad_request' | 'unauthorized' | 'unavailable'; message: string };

/** What the enrollment route sends the CA; abstract so standalone calls it in-process and the cluster over NATS. */
export abstract class CaChannel {
  abstract request(req: CaRequest): Promise<CaReply>;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Checks a message from the bus is one of the requests, field by field. */
export function isCaRequest(m: unknown): m is CaRequest {
  const r = m as Record<string, unknown>;
  if (!r || !isString(r.name) || !isString(r.csr)) return false;
  if (r.op === 'enroll') return isString(r.token);
  return r.op === 'renew' && (r.role === 'agent' || r.role === 'bouncer');
}
