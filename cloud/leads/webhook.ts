import type { Logger } from '../../core/index.ts';
import type { LeadsConfig } from './config.ts';
import type { AnonymousView, PersonalView } from './views.ts';

export interface StateChange {
  event: 'lead.state';
  from: string | null;
  to: string;
  at: number;
  by: string;
  lead: AnonymousView | PersonalView;
}

/**
 * Posts a state change to the bank's CRM. The caller has already cut the lead down to the
 * configured role's view; a CRM that is down costs a warn line, never the change itself.
 */
export async function postStateChange(
  webhook: NonNullable<LeadsConfig['webhook']>,
  change: StateChange,
  log: Logger,
): Promise<boolean> {
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(change),
      signal: AbortSignal.timeout(webhook.timeoutMs),
    });
    if (response.ok) return true;

    log.warn({ lead: change.lead.id, status: response.status }, 'CRM webhook refused');
  } catch (err) {
    log.warn({ lead: change.lead.id, err: (err as Error).message }, 'CRM webhook unreachable');
  }

  return false;
}
