import type { LeadFigures } from './figures.ts';
import type { AnonymousView, PersonalView } from './views.ts';

// A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function table(header: string[], rows: unknown[][]): string {
  return `${[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

const leadColumns = [
  'id',
  'createdAt',
  'source',
  'branch',
  'campaign',
  'benefit',
  'screen',
  'product',
  'state',
  'lostReason',
  'assignee',
  'score',
  'slaDueAt',
  'contactedAt',
  'consentVersion',
] as const;

/** One row per lead the role may see; name and phone only when the view carries them. */
export function leadsCsv(leads: Array<AnonymousView | PersonalView>): string {
  const personal = leads.some((lead) => 'phone' in lead);
  const header = [...leadColumns, ...(personal ? ['name', 'phone'] : [])];
  const rows = leads.map((lead) => [
    ...leadColumns.map((column) => lead[column]),
    ...(personal && 'phone' in lead ? [lead.name, lead.phone] : []),
  ]);
  return table(header, rows);
}

export function figuresCsv(dimension: string, figures: LeadFigures[]): string {
  const header = [
    dimension,
    'leads',
    'contacted',
    'won',
    'lost',
    'conversionRate',
    'meanTimeToContactMs',
  ];
  const rows = figures.map((figure) => [
    figure.key,
    figure.leads,
    figure.contacted,
    figure.won,
    figure.lost,
    figure.conversionRate.toFixed(4),
    figure.meanTimeToContactMs === null ? '' : Math.round(figure.meanTimeToContactMs),
  ]);
  return table(header, rows);
}
