import express from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { isSmartBranchError, type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { EnrolRequest, EnrolResponse, Id } from '../../protocol/index.ts';
import type { SigningKey } from '../campaigns/index.ts';
import type { CloudConfig } from '../config.ts';
import { branchExists, branchFigures, createEnrolmentToken, enrolGateway } from '../fleet/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { requireRole } from './auth.ts';
import { parseRequest } from './errors.ts';

export interface FleetDeps {
  db: Kysely<Database>;
  config: CloudConfig;
  context: ModuleContext;
  signingKey: SigningKey;
  /** The broker URL enrolment hands to gateways. */
  brokerUrl: () => string;
}

const TokenRequest = z.strictObject({
  branch: Id,
  ttlMs: z
    .number()
    .int()
    .positive()
    .max(30 * 86_400_000)
    .optional(),
});

/** Issues a one-time enrolment token for a branch that exists. */
export async function issueToken(deps: FleetDeps, branch: string, ttlMs?: number) {
  if (!(await branchExists(deps.db, branch))) {
    throw new SmartBranchError('SB_ERR_NOT_FOUND', `branch ${branch}`, 'branch');
  }

  const ttl = ttlMs ?? deps.config.enrolment.tokenTtlMs;
  const issued = await createEnrolmentToken(deps.db, branch, ttl, deps.context.clock.now());
  deps.context.log
    .child({ module: 'enrolment' })
    .info({ branch, ttlMs: ttl }, 'enrolment token issued');
  return issued;
}

export function fleetRoutes(deps: FleetDeps): express.Router {
  const router = express.Router();
  const log = deps.context.log.child({ module: 'enrolment' });
  const metrics = cloudMetrics(deps.context.registry);

  router.post('/api/enrol', async (request, response) => {
    const body = parseRequest(EnrolRequest, request.body);
    try {
      const enrolment = await enrolGateway(deps.db, body, deps.context.clock.now());
      metrics.enrolments.inc({ result: enrolment.rotated ? 'rotated' : 'enrolled' });
      log.info(
        { gateway: enrolment.gateway, branch: enrolment.branch, rotated: enrolment.rotated },
        'gateway enrolled',
      );
      const answer = {
        gateway: enrolment.gateway,
        branch: enrolment.branch,
        broker: {
          url: deps.brokerUrl(),
          username: enrolment.gateway,
          password: enrolment.password,
        },
        manifestPublicKey: deps.signingKey.publicKeyPem,
      };
      response.json(EnrolResponse.parse(answer));
    } catch (err) {
      if (isSmartBranchError(err)) {
        metrics.enrolments.inc({ result: err.code });
        log.warn({ gateway: body.gateway, code: err.code }, 'enrolment refused');
      }
      throw err;
    }
  });

  router.post('/api/enrolment-tokens', requireRole('admin'), async (request, response) => {
    const body = parseRequest(TokenRequest, request.body);
    const issued = await issueToken(deps, body.branch, body.ttlMs);
    response.status(201).json(issued);
  });

  router.get(
    '/api/branches',
    requireRole('admin', 'marketer', 'analyst', 'branch-manager', 'relationship-manager'),
    async (request, response) => {
      parseRequest(z.strictObject({}), request.query);
      const now = deps.context.clock.now();
      response.json({
        at: now,
        branches: await branchFigures(deps.db, deps.config.fleet.offlineAfterMs, now),
      });
    },
  );

  return router;
}
