import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@lapi/auth';
import { InProcessCaChannel, NatsCaChannel, NatsCaResponder } from './ca-channels';
import { CaChannel } from './ca-channel';
import { CaSigner } from './ca-signer';
import { EnrollmentController } from './enrollment.controller';
import { EnrollmentService } from './enrollment.service';

/** The CA process: the key, the signer, and its answers on the bus. Opens no HTTP port. */
@Module({
  providers: [CaSigner, NatsCaResponder],
  exports: [CaSigner],
})
export class CaSignerModule {}

/**
 * POST /v1/ca/enroll and /renew. `in-process` (standalone) signs here with CaSignerModule;
 * `bus` (the registration service) asks the CA process over NATS and never sees the key.
 */
@Module({})
export class CaEnrollmentModule {
  static with(signer: 'in-process' | 'bus'): DynamicModule {
    return {
      module: CaEnrollmentModule,
      imports: [AuthModule, ...(signer === 'in-process' ? [CaSignerModule] : [])],
      controllers: [EnrollmentController],
      providers: [EnrollmentService, { provide: CaChannel, useClass: signer === 'in-process' ? InProcessCaChannel : NatsCaChannel }],
    };
  }
}
