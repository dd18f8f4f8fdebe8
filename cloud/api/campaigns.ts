import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import {
  BranchSelector,
  CampaignInput,
  type ControlPlane,
  ConversionImport,
  campaignRollout,
  conversionsFromCsv,
  createCampaign,
  funnel,
  getCampaign,
  importConversions,
  listCampaigns,
  Sha256,
  saveTargets,
  statusAt,
  storeAsset,
  TargetsInput,
  updateCampaign,
} from '../campaigns/index.ts';
import { campaignRolloutPage, pickLanguage } from '../ui/index.ts';
import { param, RouteBook } from './routebook.ts';

const readers = ['admin', 'marketer', 'analyst'] as const;
const writers = ['admin', 'marketer'] as const;

const Period = z.strictObject({
  from: z.coerce.number().int().nonnegative().default(0),
  to: z.coerce.number().int().positive().default(8_640_000_000_000_000),
});

/** Campaigns: content, targeting, publishing and rollout, conversions and funnels. */
export function campaignBook(plane: ControlPlane, now: () => number): RouteBook {
  const book = new RouteBook();
  const db = plane.db;
  const id = (call: Parameters<typeof param>[0]) => param(call, 'id', Id);

  book.add({
    method: 'post',
    path: '/api/assets',
    summary: 'Upload a content asset; it is stored by its sha256',
    access: writers,
    bodyKinds: ['binary'],
    status: 201,
    handler: async ({ body, request }) => {
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'no file in the body', '(body)');
      }

      const mime = request.get('content-type') ?? 'application/octet-stream';
      return storeAsset(db, body, mime.slice(0, 100), now());
    },
  });
  book.add({
    method: 'get',
    path: '/api/assets/:sha256',
    summary: 'An asset by its sha256, for gateways (content-addressed, no login)',
    access: 'public',
    handler: async (call) => {
      const asset = await plane.asset(param(call, 'sha256', Sha256));
      if (!asset) throw new SmartBranchError('SB_ERR_NOT_FOUND', 'asset', 'sha256');

      call.response.set('etag', `"${call.params.sha256}"`);
      call.response.set('cache-control', 'public, max-age=31536000, immutable');
      call.response.type(asset.mime).send(Buffer.from(asset.data));
      return undefined;
    },
  });
  book.add({
    method: 'post',
    path: '/api/branch-selection',
    summary: 'The branches a selector picks, to check a rule before publishing',
    access: writers,
    body: BranchSelector,
    handler: async ({ body }) => ({ branches: await plane.selectBranches(body) }),
  });
  book.add({
    method: 'get',
    path: '/api/campaigns',
    summary: 'Every campaign',
    access: readers,
    handler: async () => ({
      campaigns: (await listCampaigns(db)).map((campaign) => ({
        ...campaign,
        status: statusAt(campaign, now()),
      })),
    }),
  });
  book.add({
    method: 'post',
    path: '/api/campaigns',
    summary: 'Create a campaign as a draft',
    access: writers,
    body: CampaignInput,
    status: 201,
    handler: async ({ body }) => createCampaign(db, body, now()),
  });
  book.add({
    method: 'get',
    path: '/api/campaigns/:id',
    summary: 'One campaign',
    access: readers,
    handler: async (call) => {
      const campaign = await getCampaign(db, id(call));
      return { ...campaign, status: statusAt(campaign, now()) };
    },
  });
  book.add({
    method: 'put',
    path: '/api/campaigns/:id',
    summary: 'Replace a campaign; a published one goes out again on its next publish',
    access: writers,
    body: CampaignInput,
    handler: async (call) => {
      if (call.body.id !== id(call)) {
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'id: not the one in the path', 'id');
      }
      return updateCampaign(db, call.body, now());
    },
  });
  for (const action of ['publish', 'pause', 'end'] as const) {
    book.add({
      method: 'post',
      path: `/api/campaigns/:id/${action}`,
      summary: `${action[0]?.toUpperCase()}${action.slice(1)} a campaign: its branches get signed manifests`,
      access: writers,
      handler: async (call) =>
        action === 'publish'
          ? plane.publish(id(call))
          : plane.withdraw(id(call), action === 'pause' ? 'paused' : 'ended'),
    });
  }
  book.add({
    method: 'get',
    path: '/api/campaigns/:id/rollout',
    summary: 'Rollout per targeted branch: pending, downloading, applied or failed with reason',
    access: readers,
    handler: async (call) => campaignRollout(db, (await getCampaign(db, id(call))).id),
  });
  book.add({
    method: 'get',
    path: '/campaigns/:id/rollout',
    summary: 'The rollout as an HQ page',
    access: readers,
    // The page's language switch links here with ?lang=.
    query: z.strictObject({ lang: z.enum(['en', 'zh']).optional() }),
    handler: async (call) => {
      const campaign = await getCampaign(db, id(call));
      const rollout = await campaignRollout(db, campaign.id);
      const language = pickLanguage(call.request, call.response);
      call.response
        .type('html')
        .send(campaignRolloutPage({ ...rollout, name: campaign.name, language }));
      return undefined;
    },
  });
  book.add({
    method: 'post',
    path: '/api/campaigns/:id/conversions',
    summary: 'Import conversions from the bank (JSON rows or CSV); a resend stores nothing twice',
    access: writers,
    body: ConversionImport,
    bodyKinds: ['json', 'csv'],
    handler: async (call) => {
      const campaign = await getCampaign(db, id(call));
      const rows = typeof call.body === 'string' ? conversionsFromCsv(call.body) : call.body.rows;
      return importConversions(db, campaign.id, rows, now());
    },
  });
  book.add({
    method: 'put',
    path: '/api/campaigns/:id/targets',
    summary: 'Targets per branch and funnel step, each over its own period',
    access: writers,
    body: TargetsInput,
    handler: async (call) => {
      const campaign = await getCampaign(db, id(call));
      await saveTargets(db, campaign.id, call.body.targets);
      return { targets: call.body.targets.length };
    },
  });
  book.add({
    method: 'get',
    path: '/api/campaigns/:id/funnel',
    summary: 'The funnel of the objective per branch, and targets against what happened',
    access: readers,
    query: Period,
    handler: async (call) => funnel(db, await getCampaign(db, id(call)), call.query),
  });
  return book;
}
