import { Initial1763800000000 } from './1763800000000-Initial';
import { BouncerDelivery1763900000000 } from './1763900000000-BouncerDelivery';
import { CertificateAuthority1764800000000 } from './1764800000000-CertificateAuthority';

/** Every migration, oldest first. Never edit one that has landed: add a new one. */
export const MIGRATIONS = [Initial1763800000000, BouncerDelivery1763900000000, CertificateAuthority1764800000000];
