import type { SchemaObject } from 'ajv';
import { bodySchema } from '@lapi/common';
import { CERTIFICATE_NAME } from '../enrollment-tokens';

const { text, object } = bodySchema;
const csr = text(16_384, 1);

/** POST /v1/ca/enroll: a new host's CSR and the token an operator gave it. */
export interface EnrollDto {
  token: string;
  name: string;
  csr: string;
}

export const ENROLL_SCHEMA: SchemaObject = object({ token: text(200, 1), name: { type: 'string', pattern: CERTIFICATE_NAME.source }, csr }, ['token', 'name', 'csr']);

/** POST /v1/ca/renew: a CSR, over a connection that presents the current certificate. */
export interface RenewDto {
  csr: string;
}

export const RENEW_SCHEMA: SchemaObject = object({ csr }, ['csr']);
