// The options of `lapictl machines` subcommands, as commander parses them: the command declares
// them, its actions and reads take them (one file each side imports, so neither imports the other).

export interface MachineAddOptions {
  password?: string;
  auto?: boolean;
  force?: boolean;
  validate: boolean;
  file?: string;
  url?: string;
}
