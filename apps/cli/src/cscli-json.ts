import type { AlertView } from '@lapi/alerts';

/** Source fields cscli 1.4.6's Go model marks omitempty. */
const OMIT_EMPTY_SOURCE = ['as_name', 'as_number', 'cn', 'ip', 'latitude', 'longitude', 'range'] as const;

/**
 * An alert as cscli 1.4.6 prints it with -o json: it decodes the LAPI's answer into its Go models
 * and encodes them again, so fields marked omitempty vanish when empty, and uuid (which its models
 * do not have) goes. Scripts written against cscli see exactly this.
 */
export function asCscliPrintsIt(a: AlertView): Record<string, unknown> {
  const { uuid: _alertUuid, meta, source, decisions, ...rest } = a;
  const src: Record<string, unknown> = { ...source };
  for (const k of OMIT_EMPTY_SOURCE) if (src[k] === '' || src[k] === 0 || src[k] === null) delete src[k];
  return {
    ...rest,
    decisions: decisions.map(({ uuid: _uuid, ...d }) => d),
    ...(meta && meta.length ? { meta } : {}),
    source: src,
  };
}
