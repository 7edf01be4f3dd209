import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Cluster-wide values generated once (the JWT secret when none is configured). */
@Entity('settings')
export class SettingEntity {
  @PrimaryColumn({ type: 'text' }) key: string;
  @Column({ type: 'text' }) value: string;
}
