import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export interface AlertEvent {
  timestamp: string;
  meta: { key: string; value: string }[];
}

@Entity('alerts')
@Index('alerts_machine_uuid_idx', ['machineId', 'uuid'], { unique: true })
export class AlertEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  uuid: string;

  @Index('alerts_created_at_idx')
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'machine_id', type: 'text', default: '' })
  machineId: string;

  @Column({ type: 'text' }) scenario: string;
  @Column({ name: 'scenario_hash', type: 'text', default: '' }) scenarioHash: string;
  @Column({ name: 'scenario_version', type: 'text', default: '' }) scenarioVersion: string;
  @Column({ type: 'text', default: '' }) message: string;
  @Column({ name: 'events_count', type: 'int', default: 0 }) eventsCount: number;
  @Index('alerts_started_at_idx')
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true }) stoppedAt: Date | null;
  @Column({ type: 'int', default: 0 }) capacity: number;
  @Column({ name: 'leak_speed', type: 'text', default: '' }) leakSpeed: string;
  @Column({ type: 'boolean', default: false }) simulated: boolean;
  @Column({ type: 'boolean', default: false }) remediation: boolean;

  @Column({ name: 'source_scope', type: 'text', default: '' }) sourceScope: string;
  @Index('alerts_source_value_idx')
  @Column({ name: 'source_value', type: 'text', default: '' }) sourceValue: string;
  @Column({ name: 'source_ip', type: 'text', default: '' }) sourceIp: string;
  @Column({ name: 'source_range', type: 'text', default: '' }) sourceRange: string;
  @Column({ name: 'source_as_number', type: 'text', default: '' }) sourceAsNumber: string;
  @Column({ name: 'source_as_name', type: 'text', default: '' }) sourceAsName: string;
  @Column({ name: 'source_country', type: 'text', default: '' }) sourceCountry: string;
  @Column({ name: 'source_latitude', type: 'float8', default: 0 }) sourceLatitude: number;
  @Column({ name: 'source_longitude', type: 'float8', default: 0 }) sourceLongitude: number;

  @Column({ type: 'jsonb', default: () => "'[]'" }) labels: string[];
  @Column({ type: 'jsonb', default: () => "'[]'" }) events: AlertEvent[];
  @Column({ type: 'jsonb', default: () => "'[]'" }) meta: { key: string; value: string }[];
}
