// The options of `lapictl alerts` subcommands, as commander parses them: the command declares
// them, its actions and reads take them (one file each side imports, so neither imports the other).

export interface AlertFilterOptions {
  ip?: string;
  range?: string;
  scope?: string;
  value?: string;
  scenario?: string;
  since?: string;
  until?: string;
  type?: string;
  contained?: boolean;
}

export interface AlertListOptions extends AlertFilterOptions {
  all?: boolean;
  machine?: boolean;
  limit: number;
}

export interface AlertDeleteOptions extends AlertFilterOptions {
  id?: string;
  all?: boolean;
}
