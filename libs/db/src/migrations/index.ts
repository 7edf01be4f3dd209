import { Initial1763800000000 } from './1763800000000-Initial';
import { BouncerDelivery1763900000000 } from './1763900000000-BouncerDelivery';
import { AlertUuidUnique1764600000100 } from './1764600000100-AlertUuidUnique';
import { LoginAttempts1764600000200 } from './1764600000200-LoginAttempts';
import { CertificateAuthority1764800000000 } from './1764800000000-CertificateAuthority';
import { Capi1764900000000 } from './1764900000000-Capi';
import { Allowlists1765000000000 } from './1765000000000-Allowlists';
import { NotificationDeliveries1765000000100 } from './1765000000100-NotificationDeliveries';
import { Inventory1796360767838 } from './1796360767838-Inventory';
import { CapiDeletions1796400000000 } from './1796400000000-CapiDeletions';

/** Every migration, oldest first. Never edit one that has landed: add a new one. */
export const MIGRATIONS = [Initial1763800000000, BouncerDelivery1763900000000, AlertUuidUnique1764600000100, LoginAttempts1764600000200, CertificateAuthority1764800000000, Capi1764900000000, Allowlists1765000000000, NotificationDeliveries1765000000100, Inventory1796360767838, CapiDeletions1796400000000];
