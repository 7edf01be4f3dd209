import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsDefined, IsObject, IsBoolean, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, MaxLength, Min, ValidateNested,
} from 'class-validator';

const TEXT = 4096;

export class MetaItemDto {
  @IsString() @MaxLength(TEXT) key: string;
  @IsString() @MaxLength(65536) value: string;
}

export class EventDto {
  @IsString() @MaxLength(64) timestamp: string;
  @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => MetaItemDto) meta: MetaItemDto[];
}

export class SourceDto {
  @IsString() @IsNotEmpty() @MaxLength(TEXT) scope: string;
  @IsString() @MaxLength(TEXT) value: string;
  @IsOptional() @IsString() @MaxLength(64) ip?: string;
  @IsOptional() @IsString() @MaxLength(64) range?: string;
  @IsOptional() @IsString() @MaxLength(64) as_number?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) as_name?: string;
  @IsOptional() @IsString() @MaxLength(64) cn?: string;
  @IsOptional() @IsNumber() latitude?: number;
  @IsOptional() @IsNumber() longitude?: number;
}

/** A decision inside a pushed alert (swagger Decision). */
export class DecisionDto {
  @IsString() @IsNotEmpty() @MaxLength(TEXT) origin: string;
  @IsString() @IsNotEmpty() @MaxLength(255) type: string;
  @IsString() @IsNotEmpty() @MaxLength(255) scope: string;
  @IsString() @IsNotEmpty() @MaxLength(TEXT) value: string;
  @IsString() @IsNotEmpty() @MaxLength(64) duration: string;
  @IsOptional() @IsString() @MaxLength(64) until?: string;
  @IsString() @MaxLength(TEXT) scenario: string;
  @IsOptional() @IsBoolean() simulated?: boolean;
  @IsOptional() @IsString() @MaxLength(64) uuid?: string;
}

/** One alert of POST /v1/alerts (swagger Alert); fields marked required there are required here. */
export class AlertDto {
  @IsString() @MaxLength(TEXT) scenario: string;
  @IsString() @MaxLength(TEXT) scenario_hash: string;
  @IsString() @MaxLength(TEXT) scenario_version: string;
  @IsString() @MaxLength(65536) message: string;
  @IsInt() @Min(0) events_count: number;
  @IsString() @MaxLength(64) start_at: string;
  @IsString() @MaxLength(64) stop_at: string;
  @IsInt() @Min(0) capacity: number;
  @IsString() @MaxLength(64) leakspeed: string;
  @IsBoolean() simulated: boolean;
  @IsOptional() @IsBoolean() remediation?: boolean;
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => EventDto) events?: EventDto[] | null;
  @IsOptional() @IsArray() @ArrayMaxSize(1_000_000) @ValidateNested({ each: true }) @Type(() => DecisionDto) decisions?: DecisionDto[] | null;
  @IsDefined() @IsObject() @ValidateNested() @Type(() => SourceDto) source: SourceDto;
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => MetaItemDto) meta?: MetaItemDto[] | null;
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) labels?: string[] | null;
  @IsOptional() @IsString() @MaxLength(64) uuid?: string;
  @IsOptional() @IsIn([undefined, null, ''], { message: 'id is read-only' }) id?: unknown;
}
