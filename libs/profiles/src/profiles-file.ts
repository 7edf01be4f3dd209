import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '@lapi/common';
import { CompiledExpr, compileExpr, ExprError } from './expr';
import { PROFILE_ENVIRONMENT } from './profile-environment';

/** One entry of a profile's `decisions`: what the decision it makes looks like. */
export interface DecisionTemplate {
  type: string;
  /** The alert source's scope when unset. */
  scope?: string;
  /** Go duration; unset with no duration_expr means upstream's default, 4h. */
  duration: string;
  /** Appended to `crowdsec/` as upstream does. */
  origin?: string;
  simulated?: boolean;
}

export type OnError = 'apply' | 'continue' | 'break' | 'ignore';

export interface Profile {
  name: string;
  filters: CompiledExpr[];
  decisions: DecisionTemplate[];
  durationExpr?: CompiledExpr;
  onSuccess: 'break' | 'continue';
  onFailure: 'break' | 'continue';
  onError?: OnError;
  notifications: string[];
  debug: boolean;
}

/** A profiles file that cannot be used: the message names the file, the profile and the expression. */
export class ProfilesFileError extends Error {
  override name = 'ProfilesFileError';
}

const KNOWN_KEYS = new Set(['name', 'debug', 'filters', 'decisions', 'duration_expr', 'on_success', 'on_failure', 'on_error', 'notifications']);
const DECISION_KEYS = new Set(['type', 'scope', 'duration', 'origin', 'simulated']);
const DEFAULT_DURATION = '4h';

/**
 * Upstream's shipped profiles.yaml, in its own format: a 4h ban for any alert that asks for
 * remediation on an Ip or a Range. `duration` is the one thing LAPI_DEFAULT_BAN_DURATION changes.
 */
export function shippedProfiles(duration = DEFAULT_DURATION): string {
  return ['Ip', 'Range']
    .map(
      (scope) => `name: default_${scope.toLowerCase()}_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "${scope}"
decisions:
 - type: ban
   duration: ${duration}
on_success: break
`,
    )
    .join('---\n');
}

export interface LoadOptions {
  /** Notification names that have a config; a profile naming another is refused. Unset: not checked. */
  notifications?: ReadonlySet<string>;
}

export function loadProfilesFile(path: string, options: LoadOptions = {}): Profile[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ProfilesFileError(`${path}: cannot be read: ${(e as Error).message}`);
  }
  return parseProfiles(text, path, options);
}

/** Reads every YAML document of a profiles file, in order, and compiles its expressions. */
export function parseProfiles(text: string, file: string, options: LoadOptions = {}): Profile[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new ProfilesFileError(`${file}: not a YAML stream`);
  const profiles: Profile[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length) throw new ProfilesFileError(`${file}: document ${i + 1}: ${doc.errors[0].message}`);
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return;
    profiles.push(parseProfile(raw, `${file}: document ${i + 1}`, file, options));
  });
  if (profiles.length === 0) throw new ProfilesFileError(`${file}: no profile in the file (upstream refuses it too: "zero profiles loaded for LAPI")`);
  const seen = new Set<string>();
  for (const p of profiles) {
    if (p.name && seen.has(p.name)) throw new ProfilesFileError(`${file}: profile "${p.name}" is defined twice`);
    seen.add(p.name);
  }
  return profiles;
}

function parseProfile(raw: unknown, where: string, file: string, options: LoadOptions): Profile {
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) throw new ProfilesFileError(`${where}: a profile must be a mapping`);
  const r = raw as Record<string, unknown>;
  const name = optionalString(r.name, `${where}: name`) ?? '';
  const at = `${file}: profile "${name}"`;
  const unknownKey = Object.keys(r).find((k) => !KNOWN_KEYS.has(k));
  if (unknownKey) throw new ProfilesFileError(`${at}: unknown key "${unknownKey}" (expected ${[...KNOWN_KEYS].join(', ')})`);
  const filterTexts = stringList(r.filters, `${at}: filters`);
  const filters = filterTexts.map((f, i) => compile(f, `${at}: filter ${i + 1}`));
  const durationExprText = optionalString(r.duration_expr, `${at}: duration_expr`);
  const durationExpr = durationExprText ? compile(durationExprText, `${at}: duration_expr`) : undefined;
  const decisions = list(r.decisions, `${at}: decisions`).map((d, i) => decisionTemplate(d, `${at}: decision ${i + 1}`, !!durationExpr));
  const notifications = stringList(r.notifications, `${at}: notifications`);
  if (options.notifications) {
    const missing = notifications.find((n) => !options.notifications!.has(n));
    if (missing) throw new ProfilesFileError(`${at}: notification "${missing}" has no config (known: ${[...options.notifications].join(', ') || 'none'})`);
  }
  return {
    name,
    filters,
    decisions,
    durationExpr,
    onSuccess: choice<'break' | 'continue'>(r.on_success, ['break', 'continue'], 'continue', `${at}: on_success`),
    onFailure: choice<'break' | 'continue'>(r.on_failure, ['break', 'continue'], 'continue', `${at}: on_failure`),
    onError: r.on_error === undefined ? undefined : choice<OnError>(r.on_error, ['apply', 'continue', 'break', 'ignore'], 'continue', `${at}: on_error`),
    notifications,
    debug: r.debug === true,
  };
}

function compile(source: string, where: string): CompiledExpr {
  try {
    return compileExpr(source, PROFILE_ENVIRONMENT);
  } catch (e) {
    if (e instanceof ExprError) throw new ProfilesFileError(`${where}: ${JSON.stringify(source)}: ${e.message}`);
    throw e;
  }
}

function decisionTemplate(raw: unknown, where: string, hasDurationExpr: boolean): DecisionTemplate {
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) throw new ProfilesFileError(`${where}: a decision must be a mapping`);
  const r = raw as Record<string, unknown>;
  const unknownKey = Object.keys(r).find((k) => !DECISION_KEYS.has(k));
  if (unknownKey) throw new ProfilesFileError(`${where}: unknown key "${unknownKey}" (expected ${[...DECISION_KEYS].join(', ')})`);
  const type = optionalString(r.type, `${where}: type`);
  if (!type) throw new ProfilesFileError(`${where}: type is required (ban, captcha, ...)`);
  const duration = optionalString(r.duration, `${where}: duration`) ?? DEFAULT_DURATION;
  const ms = parseDuration(duration);
  // Upstream checks the duration only without duration_expr; an expression's fallback must be valid too.
  if (ms === undefined || ms <= 0) throw new ProfilesFileError(`${where}: duration ${JSON.stringify(duration)} is not a positive duration such as 4h${hasDurationExpr ? ' (it is the fallback when duration_expr fails)' : ''}`);
  if (r.simulated !== undefined && typeof r.simulated !== 'boolean') throw new ProfilesFileError(`${where}: simulated must be true or false`);
  return {
    type,
    scope: optionalString(r.scope, `${where}: scope`) || undefined,
    duration,
    origin: optionalString(r.origin, `${where}: origin`) || undefined,
    simulated: r.simulated as boolean | undefined,
  };
}

function optionalString(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ProfilesFileError(`${where} must be a string`);
  return v;
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ProfilesFileError(`${where} must be a list`);
  return v;
}

function stringList(v: unknown, where: string): string[] {
  return list(v, where).map((s, i) => {
    if (typeof s !== 'string') throw new ProfilesFileError(`${where}: item ${i + 1} must be a string`);
    return s;
  });
}

function choice<T extends string>(v: unknown, allowed: T[], fallback: T, where: string): T {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ProfilesFileError(`${where}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  return v as T;
}
