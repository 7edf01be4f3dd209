import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ClientSystemColumns } from './client-system.columns';

/** One row per bouncer and, for a key used from several hosts, one `name@ip` row per host. */
@Entity('bouncers')
export class BouncerEntity extends ClientSystemColumns {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text', unique: true })
  name: string;

  /** SHA-512 hex of the API key, as upstream stores it. */
  @Index('bouncers_api_key_hash_idx')
  @Column({ name: 'api_key_hash', type: 'text', select: false })
  apiKeyHash: string;

  @Column({ name: 'ip_address', type: 'text', default: '' })
  ipAddress: string;

  @Column({ type: 'text', default: '' })
  type: string;

  @Column({ type: 'text', default: '' })
  version: string;

  /** Made by the LAPI itself: a key's row for a new host, a certificate's on first use (upstream's auto_created). */
  @Column({ name: 'auto_created', type: 'boolean', default: false })
  autoCreated: boolean;

  @Column({ name: 'auth_type', type: 'text', default: 'api-key' })
  authType: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'last_pull', type: 'timestamptz', nullable: true })
  lastPull: Date | null;

  /** Stream cursor: the last change sequence number this bouncer was sent (bigint as text). */
  @Column({ name: 'last_seq', type: 'bigint', default: 0 })
  lastSeq: string;
}
