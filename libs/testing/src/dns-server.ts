import { createSocket, RemoteInfo } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

export interface TestDnsServer {
  host: string;
  port: number;
  /** The A records each name answers with; change it while running (an answer is kept by the asker for `ttl` seconds). */
  records: Map<string, string[]>;
  /** How many A queries each name got. */
  queries: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A DNS server on a loopback UDP port answering A queries from `records` (unknown names:
 * NXDOMAIN; other types: no answer), standing in for Docker's embedded DNS, where a compose
 * service's name is the addresses of its containers.
 */
export function startTestDns(records: Record<string, string[]>, ttl = 1): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const table = new Map(Object.entries(records));
  const queries = new Map<string, number>();
  const answer = (msg: Buffer, from: RemoteInfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const addresses = table.get(question.name.toLowerCase());
    if (question.type === 'A') queries.set(question.name, (queries.get(question.name) ?? 0) + 1);
    const answers: dnsPacket.Answer[] =
      question.type === 'A' ? (addresses ?? []).map((data) => ({ type: 'A', class: 'IN', name: question.name, ttl, data })) : [];
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      // RD copied, RA set; NXDOMAIN (rcode 3) for a name not in the table.
      flags: (query.flags ?? 0) | dnsPacket.RECURSION_AVAILABLE | (addresses ? 0 : 3),
      questions: [question],
      answers,
    });
    socket.send(reply, from.port, from.address);
  };
  socket.on('message', answer);
  return new Promise((done, fail) => {
    socket.once('error', fail);
    socket.bind(0, '127.0.0.1', () => {
      done({
        host: '127.0.0.1',
        port: socket.address().port,
        records: table,
        queries,
        close: () => new Promise((closed) => socket.close(() => closed())),
      });
    });
  });
}
