import { Column } from 'typeorm';

/**
 * What a client's usage metrics say of its system (upstream's osname, osfamily, osversion and
 * feature flags), kept alike for machines and bouncers: both entities extend it, and TypeORM gives
 * each table these columns.
 */
export abstract class ClientSystemColumns {
  @Column({ name: 'os_name', type: 'text', default: '' })
  osName: string;

  @Column({ name: 'os_family', type: 'text', default: '' })
  osFamily: string;

  @Column({ name: 'os_version', type: 'text', default: '' })
  osVersion: string;

  /** Comma-separated, as upstream stores them. */
  @Column({ name: 'feature_flags', type: 'text', default: '' })
  featureFlags: string;
}
