export { type Scope, scopeOf, type Viewer } from './access.ts';
export { upsertStaff } from './assignment.ts';
export { auditTrail } from './audit.ts';
export { addWorkingMinutes, BranchCalendar } from './calendar.ts';
export { LeadsConfig } from './config.ts';
export {
  createKeyring,
  type Keyring,
  KeyringConfig,
  keyringFromEnvironment,
  newKeyringConfig,
} from './crypto.ts';
export { figuresCsv, leadsCsv } from './csv.ts';
export { type FigureDimension, type LeadFigures, leadFigures } from './figures.ts';
export { normalizePhone } from './phone.ts';
export {
  LeadCapture,
  LeadSource,
  LeadState,
  type LeadsTables,
  leadsDb,
  Transition,
} from './schema.ts';
export { type Score, ScoringRules, scoreLead } from './scoring.ts';
export {
  KioskLead,
  newSealKeys,
  openLead,
  type SealKeys,
  sealKeysFrom,
  sealLead,
} from './sealed.ts';
export { createLeads, type LeadsSecrets, type LeadsService } from './service.ts';
export { checkQrToken, QrClaims, requireQrToken, signQrToken } from './tokens.ts';
export { anonymousView, personalView } from './views.ts';
