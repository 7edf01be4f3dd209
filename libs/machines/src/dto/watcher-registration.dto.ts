import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** POST /v1/watchers (swagger WatcherRegistrationRequest). */
export class WatcherRegistrationDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9@._:-]+$/, { message: 'machine_id may only hold letters, digits and @ . _ : -' })
  machine_id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(72, { message: 'password must be at most 72 bytes (bcrypt)' })
  password: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  registration_token?: string;
}
