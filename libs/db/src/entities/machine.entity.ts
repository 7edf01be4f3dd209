import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ClientSystemColumns } from './client-system.columns';

@Entity('machines')
export class MachineEntity extends ClientSystemColumns {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'machine_id', type: 'text', unique: true })
  machineId: string;

  /** bcrypt hash; never selected unless asked for. */
  @Column({ name: 'password_hash', type: 'text', select: false, nullable: true })
  passwordHash: string | null;

  @Column({ name: 'ip_address', type: 'text', default: '' })
  ipAddress: string;

  @Column({ type: 'text', default: '' })
  scenarios: string;

  @Column({ type: 'text', default: '' })
  version: string;

  @Column({ name: 'is_validated', type: 'boolean', default: false })
  isValidated: boolean;

  @Column({ name: 'auth_type', type: 'text', default: 'password' })
  authType: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'last_push', type: 'timestamptz', nullable: true })
  lastPush: Date | null;

  @Column({ name: 'last_heartbeat', type: 'timestamptz', nullable: true })
  lastHeartbeat: Date | null;

  /** Installed hub items by type (`collections`: [{name, status, version}]), from the last usage metrics. */
  @Column({ name: 'hub_state', type: 'jsonb', nullable: true })
  hubState: Record<string, { name?: string; status?: string; version?: string }[]> | null;

  /** Data sources by type and how many of each, from the last usage metrics. */
  @Column({ type: 'jsonb', nullable: true })
  datasources: Record<string, number> | null;
}
