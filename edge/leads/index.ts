export { handOverSealedLead } from './handoff.ts';
export { KioskLeadOptions, kioskLeadPage } from './page.ts';
export {
  type LeadDesk,
  type LeadOrigin,
  type LeadPageSettings,
  kioskLeadDesk,
  kioskLeadRoutes,
} from './routes.ts';
