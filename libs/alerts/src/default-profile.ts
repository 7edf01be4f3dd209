import { normalizeScope } from '@lapi/decision-model';
import { AlertDto, DecisionDto } from './dto/alert.dto';

/**
 * Upstream's default profiles: an alert asking for remediation on an Ip (or Range) source,
 * with no decisions of its own, gets a ban on that source for the configured duration.
 */
export function defaultProfileDecisions(alert: AlertDto, banDurationMs: number): DecisionDto[] {
  const scope = normalizeScope(alert.source.scope);
  if (!alert.remediation || (scope !== 'Ip' && scope !== 'Range')) return [];
  return [
    {
      origin: 'crowdsec',
      type: 'ban',
      scope,
      value: alert.source.value,
      duration: `${Math.round(banDurationMs / 1000)}s`,
      scenario: alert.scenario,
      simulated: alert.simulated,
    },
  ];
}
