import express from 'express';
import type { Kysely } from 'kysely';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import {
  createLeads,
  keyringFromEnvironment,
  type LeadsService,
  sealKeysFrom,
} from '../leads/index.ts';
import { publicLeadRoutes } from '../leads/public-routes.ts';
import { staffLeadRoutes } from '../leads/staff-routes.ts';
import type { Database } from '../store/index.ts';

export interface LeadsRouteDeps {
  db: Kysely<Database>;
  context: ModuleContext;
}

/**
 * The leads module's routes. Without a service handed in, one is built from the environment
 * (see `leadsFromEnvironment`); with `null`, or without the keys, every leads route answers
 * 503 with the reason, and the rest of the API runs on.
 */
export function leadsRoutes(deps: LeadsRouteDeps, given?: LeadsService | null): express.Router {
  const leads = given === undefined ? leadsFromEnvironment(deps) : given;
  if (!leads) return unconfigured();

  const router = express.Router();
  router.use(publicLeadRoutes(leads, deps.context));
  router.use(staffLeadRoutes(leads, deps.context));
  return router;
}

/**
 * The leads service from the environment (`SB_LEADS_KEYRING` or `SB_LEADS_KEYRING_FILE`,
 * `SB_LEADS_TOKEN_SECRET`, `SB_LEADS_SEAL_KEY`, optional `SB_LEADS_CONFIG` JSON), started
 * (escalation and the import of sealed leads run on its timer); null without the keys.
 */
export function leadsFromEnvironment(
  deps: LeadsRouteDeps,
  environment = process.env,
): LeadsService | null {
  const { SB_LEADS_TOKEN_SECRET: tokenSecret, SB_LEADS_SEAL_KEY: sealKey } = environment;
  const hasKeyring = environment.SB_LEADS_KEYRING || environment.SB_LEADS_KEYRING_FILE;
  if (!hasKeyring || !tokenSecret || !sealKey) return null;

  const secrets = {
    keyring: keyringFromEnvironment(environment),
    tokenSecret: Buffer.from(tokenSecret, 'base64'),
    sealKeys: sealKeysFrom(sealKey),
  };
  const config = environment.SB_LEADS_CONFIG ? JSON.parse(environment.SB_LEADS_CONFIG) : {};
  const leads = createLeads(deps.db, config, secrets, deps.context);
  leads.start();
  return leads;
}

function unconfigured(): express.Router {
  const router = express.Router();
  const refuse: express.RequestHandler = (_request, _response, next) =>
    next(new SmartBranchError('SB_ERR_UNAVAILABLE', 'leads keys not configured'));
  router.use(['/api/leads', '/l', '/card', '/leads'], refuse);
  return router;
}
