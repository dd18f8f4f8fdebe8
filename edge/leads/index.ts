export { handOverSealedLead } from './handoff.ts';
export { KioskLeadOptions, kioskLeadPage } from './page.ts';
export {
  kioskLeadDesk,
  kioskLeadRoutes,
  type LeadDesk,
  type LeadOrigin,
  type LeadPageSettings,
} from './routes.ts';
export {
  followHqLeadSettings,
  type HqLeadFollower,
  HqLeadSettings,
} from './settings.ts';
