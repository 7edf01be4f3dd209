import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface HttpsCallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Client certificate and key files; the CA that signed the server's certificate. */
  certPath?: string;
  keyPath?: string;
  caPath?: string;
}

export interface HttpsReply {
  status: number;
  body: any;
}

/** One HTTPS request with a client certificate (fetch cannot present one without undici's Agent). */
export function httpsCall(url: string, opts: HttpsCallOptions = {}): Promise<HttpsReply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers,
        cert: opts.certPath ? readFileSync(opts.certPath) : undefined,
        key: opts.keyPath ? readFileSync(opts.keyPath) : undefined,
        ca: opts.caPath ? readFileSync(opts.caPath) : undefined,
        // A fresh connection each time: a reused one would keep the certificate (and the server context) of the last.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // left as text for the caller to assert on
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
