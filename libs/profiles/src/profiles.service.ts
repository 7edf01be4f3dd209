import { Injectable, Logger } from '@nestjs/common';
import { formatDuration } from '@lapi/common';
import { AppConfig, ConfigError } from '@lapi/config';
import { DecisionCountsRepository } from '@lapi/db';
import { Notifiers } from '@lapi/notifications';
import { ProfileAlert, ProfileContext } from './profile-environment';
import { ProfileOutcome, runProfiles } from './profile-runner';
import { loadProfilesFile, parseProfiles, Profile, ProfilesFileError, shippedProfiles } from './profiles-file';

const NOTHING: ProfileOutcome = { decisions: [], notifications: [] };

/** The operator's profiles.yaml (or upstream's shipped one), compiled once at start-up. */
@Injectable()
export class ProfilesService {
  private readonly logger = new Logger('Profiles');
  readonly profiles: Profile[];
  private readonly notifies: boolean;
  private readonly context: ProfileContext;

  constructor(config: AppConfig, counts: DecisionCountsRepository, notifiers: Notifiers) {
    this.profiles = loadProfiles(config, notifiers.names());
    this.notifies = this.profiles.some((p) => p.notifications.length > 0);
    this.context = { counter: counts, now: Date.now };
    this.logger.log(`${this.profiles.length} profile(s) from ${config.profilesFile ?? 'the shipped profiles.yaml'}: ${this.profiles.map((p) => p.name).join(', ')}`);
  }

  /** Decisions for an alert that has none, and the notifications it triggers. */
  run(alert: ProfileAlert & { decisions?: unknown[] | null }): Promise<ProfileOutcome> {
    // An alert with its own decisions only looks for notifications: skip the work when there are none.
    if (alert.decisions?.length && !this.notifies) return Promise.resolve(NOTHING);
    return runProfiles(this.profiles, alert, this.context, {
      debug: (m) => this.logger.log(m),
      warn: (m) => this.logger.warn(m),
    });
  }
}

/** A file that cannot be used stops start-up, naming the variable, the file, the profile and the expression. */
function loadProfiles(config: AppConfig, notifications: ReadonlySet<string>): Profile[] {
  try {
    if (!config.profilesFile) return parseProfiles(shippedProfiles(formatDuration(config.defaultBanDurationMs)), 'shipped profiles.yaml', { notifications });
    return loadProfilesFile(config.profilesFile, { notifications });
  } catch (e) {
    if (e instanceof ProfilesFileError) throw new ConfigError(`invalid LAPI_PROFILES_FILE=${JSON.stringify(config.profilesFile ?? '')}: ${e.message}`);
    throw e;
  }
}
