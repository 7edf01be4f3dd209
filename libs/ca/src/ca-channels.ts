import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { busSubjects, CaReply, CaRequest, connectNats, decodeJson, encodeJson, isCaRequest } from '@lapi/bus';
import { AppConfig } from '@lapi/config';
import type { NatsConnection, Subscription } from 'nats';
import { CaChannel } from './ca-channel';
import { CaSigner } from './ca-signer';

/** A signature takes well under a second; past this the CA process is taken to be down. */
const CA_REQUEST_TIMEOUT_MS = 10_000;

/** Standalone: the signer is in this process. */
@Injectable()
export class InProcessCaChannel extends CaChannel {
  constructor(private readonly signer: CaSigner) {
    super();
  }

  request(req: CaRequest): Promise<CaReply> {
    return this.signer.handle(req);
  }
}

/** The cluster: a NATS request to the CA process, which is the only one holding the key. */
@Injectable()
export class NatsCaChannel extends CaChannel implements OnModuleDestroy {
  private nc?: Promise<NatsConnection>;

  constructor(private readonly config: AppConfig) {
    super();
  }

  async request(req: CaRequest): Promise<CaReply> {
    this.nc ??= connectNats(this.config.natsUrl!, `lapi-ca-client-${process.pid}`, this.config.natsTls);
    try {
      const msg = await (await this.nc).request(busSubjects(this.config.busSubjectPrefix).caRequests, encodeJson(req), { timeout: CA_REQUEST_TIMEOUT_MS });
      return decodeJson(msg.data) as CaReply;
    } catch (e) {
      return { ok: false, error: 'unavailable', message: `the CA did not answer: ${(e as Error).message}` };
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.nc) await (await this.nc).drain();
  }
}

/** The CA process's side: answers requests on the bus, one CA replica at a time per request (queue group). */
@Injectable()
export class NatsCaResponder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CaResponder');
  private nc?: NatsConnection;
  private sub?: Subscription;

  constructor(
    private readonly config: AppConfig,
    private readonly signer: CaSigner,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.natsUrl) return;
    this.nc = await connectNats(this.config.natsUrl, `lapi-ca-${process.pid}`, this.config.natsTls);
    this.sub = this.nc.subscribe(busSubjects(this.config.busSubjectPrefix).caRequests, { queue: 'ca' });
    // A failure ends the subscription's loop: logged, never an unhandled rejection.
    this.serve(this.sub).catch((e: Error) => this.logger.error(`no longer answering signing requests: ${e.message}`));
  }

  private async serve(sub: Subscription): Promise<void> {
    for await (const msg of sub) {
      const req = safeDecode(msg.data);
      const reply: CaReply = isCaRequest(req)
        ? await this.signer.handle(req).catch((e: Error) => {
            this.logger.error(`signing failed: ${e.message}`);
            return { ok: false, error: 'unavailable', message: 'the CA failed to sign' } as const;
          })
        : { ok: false, error: 'bad_request', message: 'not a CA request' };
      msg.respond(encodeJson(reply));
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.sub?.unsubscribe();
    await this.nc?.drain();
  }
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    return undefined;
  }
}
