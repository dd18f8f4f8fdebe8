export { handOverSealedLead } from './handoff.ts';
export { KioskLeadOptions, kioskLeadPage } from './page.ts';
export { kioskLeadRoutes } from './routes.ts';
