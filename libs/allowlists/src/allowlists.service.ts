import { Injectable } from '@nestjs/common';
import { badRequest, conflict, notFound, parseCidr } from '@lapi/common';
import { AllowlistMatch, AllowlistRow, AllowlistsRepository } from '@lapi/db';
import { DecisionWriter } from '@lapi/decisions';
import { AllowlistView, toAllowlistView } from './allowlist-view';

/** A name cscli would take on a command line and in a URL path segment. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface AddResult {
  added: string[];
  /** Values the list already held (upstream warns and skips them). */
  present: string[];
  /** Active decisions ended because an entry covers them. */
  decisionsEnded: number;
}

/** Upstream's reason text: `VALUE from LIST (COMMENT)`, joined with ", ". */
export function allowlistReason(matches: AllowlistMatch[]): string {
  return matches.map((m) => `${m.value} from ${m.name}${m.comment ? ` (${m.comment})` : ''}`).join(', ');
}

/** Centralized allowlists (upstream 1.6.8+): lists of IPs and ranges that never get a decision. */
@Injectable()
export class AllowlistsService {
  constructor(
    private readonly allowlists: AllowlistsRepository,
    private readonly decisions: DecisionWriter,
  ) {}

  async create(name: string, description: string): Promise<void> {
    if (!NAME.test(name)) throw badRequest(`'${name}' is not an allowlist name (letters, digits, '.', '_' and '-', at most 128)`);
    if (!(await this.allowlists.create(name, description))) throw conflict(`allowlist '${name}' already exists`);
  }

  async delete(name: string): Promise<void> {
    if (!(await this.allowlists.delete(name))) throw notFound(`allowlist '${name}' not found`);
  }

  async list(withContent: boolean): Promise<AllowlistView[]> {
    const lists = await this.allowlists.list();
    const items = withContent && lists.length ? await this.allowlists.items(lists.map((l) => l.id), false) : [];
    return lists.map((l) => toAllowlistView(l, items.filter((i) => i.allowlistId === String(l.id))));
  }

  async get(name: string, withContent: boolean, withExpired = false): Promise<AllowlistView> {
    const list = await this.find(name);
    return toAllowlistView(list, withContent ? await this.allowlists.items([String(list.id)], withExpired) : []);
  }

  /** Adds entries; the decisions they cover end at once, on every replica (published like any deletion). */
  async add(name: string, values: string[], expiresAt: Date | null, comment: string): Promise<AddResult> {
    const list = await this.find(name);
    const items = [...new Set(values)].map((value) => {
      const span = parseCidr(value);
      if (!span) throw badRequest(`'${value}' is not an IP address or a CIDR range`);
      return { value, cidr: span.cidr, comment, expiresAt };
    });
    const { added, ended } = await this.allowlists.addItems(String(list.id), items);
    await this.decisions.publish(ended);
    return { added, present: items.map((i) => i.value).filter((v) => !added.includes(v)), decisionsEnded: ended?.decisions.length ?? 0 };
  }

  async remove(name: string, values: string[]): Promise<string[]> {
    const list = await this.find(name);
    return this.allowlists.removeItems(String(list.id), values);
  }

  /** Whether an IP or range is allowlisted, and by what (GET /v1/allowlists/check/{ip_or_range}). */
  async check(value: string): Promise<{ allowlisted: boolean; reason: string }> {
    const span = parseCidr(value);
    if (!span) throw badRequest(`'${value}' is not an IP address or a CIDR range`);
    const matches = await this.allowlists.matches(span.cidr);
    return { allowlisted: matches.length > 0, reason: allowlistReason(matches) };
  }

  /** For a push: the reason each allowlisted value (by index) is allowlisted; values that are no address are never allowlisted. */
  async reasonsAmong(values: string[]): Promise<Map<number, string>> {
    const cidrs: string[] = [];
    const at: number[] = [];
    values.forEach((v, i) => {
      const span = parseCidr(v);
      if (span) {
        cidrs.push(span.cidr);
        at.push(i);
      }
    });
    const found = await this.allowlists.matchesAmong(cidrs);
    return new Map([...found].map(([n, matches]) => [at[n], allowlistReason(matches)]));
  }

  private async find(name: string): Promise<AllowlistRow> {
    const list = await this.allowlists.find(name);
    if (!list) throw notFound(`allowlist '${name}' not found`);
    return list;
  }
}
