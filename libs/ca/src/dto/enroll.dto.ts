import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { CERTIFICATE_NAME } from '../enrollment-tokens';

/** POST /v1/ca/enroll: a new host's CSR and the token an operator gave it. */
export class EnrollDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @IsString()
  @Matches(CERTIFICATE_NAME, { message: "name must be letters, digits, '.', '_' and '-' (at most 63)" })
  name: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(16_384)
  csr: string;
}

/** POST /v1/ca/renew: a CSR, over a connection that presents the current certificate. */
export class RenewDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(16_384)
  csr: string;
}
