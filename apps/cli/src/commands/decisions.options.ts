// The options of `lapictl decisions` subcommands, as commander parses them: the command declares
// them, its actions and reads take them (one file each side imports, so neither imports the other).

export interface TargetOptions {
  ip?: string;
  range?: string;
  scope?: string;
  value?: string;
  type?: string;
  origin?: string;
  scenario?: string;
  contained?: boolean;
}

export interface ListOptions extends TargetOptions {
  all?: boolean;
  since?: string;
  until?: string;
  limit: number;
  noSimu?: boolean;
  machine?: boolean;
}

export interface AddOptions extends TargetOptions {
  duration: string;
  type: string;
  reason?: string;
  bypassAllowlist?: boolean;
}

export interface DeleteOptions extends TargetOptions {
  id?: string;
  all?: boolean;
}

export interface ImportOptions {
  input: string;
  format?: 'csv' | 'json';
  duration?: string;
  type?: string;
  reason?: string;
  scope?: string;
  batch: number;
}
