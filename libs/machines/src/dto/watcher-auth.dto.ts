import { IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** POST /v1/watchers/login (swagger WatcherAuthRequest). */
export class WatcherAuthDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  machine_id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  scenarios?: string[];
}

/** The same request from an agent authenticated by its certificate: credentials, if any, are ignored. */
export class WatcherCertificateAuthDto {
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  scenarios?: string[];
}
