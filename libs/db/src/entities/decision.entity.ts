import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A decision. It is never removed when deleted or expired: its end is recorded with `ended`
 * and a new `seq`, so every bouncer's cursor sees it go. Retention removes old ended rows.
 */
@Entity('decisions')
export class DecisionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' }) uuid: string;

  @Index('decisions_alert_id_idx')
  @Column({ name: 'alert_id', type: 'bigint', nullable: true }) alertId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ type: 'timestamptz' }) until: Date;
  @Column({ type: 'text', default: '' }) scenario: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text' }) scope: string;
  @Column({ type: 'text' }) value: string;
  @Column({ type: 'text' }) origin: string;
  @Column({ type: 'boolean', default: false }) simulated: boolean;

  /** The IP or range the decision covers, for Ip and Range scopes (GiST-indexed). */
  @Column({ name: 'ip_range', type: 'cidr', nullable: true }) ipRange: string | null;

  /** Sequence number of the latest change to this decision (creation, or its end). */
  @Index('decisions_seq_idx')
  @Column({ type: 'bigint' }) seq: string;

  /** True once the decision's end (deletion or expiry) has been given a sequence number. */
  @Column({ type: 'boolean', default: false }) ended: boolean;
}
