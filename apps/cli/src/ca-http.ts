import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ClientTls {
  /** The CA the LAPI's server certificate chains to; unset, the system's trust store. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** POSTs JSON to the LAPI and parses the JSON reply; a non-2xx reply throws its `message`. */
export function postJson<T>(url: string, body: unknown, tls: ClientTls = {}): Promise<T> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
        cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
        key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: { message?: string } | undefined;
          try {
            parsed = JSON.parse(text) as { message?: string };
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && parsed) resolve(parsed as T);
          else reject(new Error(`${url} answered ${status}: ${parsed?.message ?? text.slice(0, 200)}`));
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
