import { request } from 'node:http';

export interface FromHostReply {
  status: number;
  body: any;
}

/** A request from a chosen loopback source address (127.0.0.x), as a client on another host would send it. */
export function requestFrom(url: string, localAddress: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<FromHostReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** GET from a chosen loopback source address, as a bouncer on another host would. */
export function getFrom(url: string, localAddress: string, headers: Record<string, string>): Promise<FromHostReply> {
  return requestFrom(url, localAddress, { headers });
}
