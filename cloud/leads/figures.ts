import type { LeadsDb } from './schema.ts';

export type FigureDimension = 'campaign' | 'branch' | 'assignee' | 'screen' | 'benefit';

export interface LeadFigures {
  key: string | null;
  leads: number;
  contacted: number;
  won: number;
  lost: number;
  /** won / leads, 0..1. */
  conversionRate: number;
  /** Mean time from capture to first contact, ms; null before any contact. */
  meanTimeToContactMs: number | null;
}

/**
 * Leads, conversions and time to contact per campaign, branch, manager, screen or benefit.
 * Reads no personal column, so erased leads count like the rest.
 */
export async function leadFigures(
  db: LeadsDb,
  by: FigureDimension,
  filter: { from?: number | undefined; to?: number | undefined } = {},
): Promise<LeadFigures[]> {
  let query = db.selectFrom('leads').select([by, 'state', 'created_at', 'contacted_at']);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  const rows = await query.execute();

  const groups = new Map<string | null, typeof rows>();
  for (const row of rows) {
    const key = row[by] as string | null;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }

  return [...groups].map(([key, group]) => summarize(key, group)).sort(byLeads);
}

const wonStates = new Set(['won', 'after-sales']);

function summarize(
  key: string | null,
  rows: Array<{ state: string; created_at: number; contacted_at: number | null }>,
): LeadFigures {
  const contactTimes = rows.flatMap((row) =>
    row.contacted_at === null ? [] : [row.contacted_at - row.created_at],
  );
  const won = rows.filter((row) => wonStates.has(row.state)).length;
  return {
    key,
    leads: rows.length,
    contacted: contactTimes.length,
    won,
    lost: rows.filter((row) => row.state === 'lost').length,
    conversionRate: rows.length ? won / rows.length : 0,
    meanTimeToContactMs: contactTimes.length
      ? contactTimes.reduce((sum, time) => sum + time, 0) / contactTimes.length
      : null,
  };
}

const byLeads = (left: LeadFigures, right: LeadFigures) =>
  right.leads - left.leads || String(left.key).localeCompare(String(right.key));
