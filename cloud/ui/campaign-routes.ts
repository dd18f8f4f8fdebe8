import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import {
  campaignRollout,
  campaignTargets,
  controlDb,
  funnelSteps,
  getCampaign,
  listBenefits,
  listCampaigns,
  statusAt,
  targetBranches,
} from '../campaigns/index.ts';
import { listBranches } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { campaignFormPage } from './campaign-form-page.ts';
import { type CampaignRow, campaignListPage } from './campaign-pages.ts';
import { pageReader } from './index.ts';

/** The roles that see campaigns and the ones that change them, as on `/api/campaigns`. */
const readers = new Set(['admin', 'marketer', 'analyst']);
const writers = new Set(['admin', 'marketer']);

const ownFolder = new URL('./public/', import.meta.url);
export const campaignAssetsPath = '/campaigns/assets';

/** The HQ campaign pages: the list with rollout progress, and the editor of one campaign. */
export function campaignPages(deps: { db: Kysely<Database>; context: ModuleContext }) {
  const router = express.Router();
  const db = controlDb(deps.db);
  const now = () => deps.context.clock.now();

  for (const file of ['campaign-form.js', 'campaigns.css']) {
    router.get(`${campaignAssetsPath}/${file}`, (_request, response) =>
      response.sendFile(new URL(file, ownFolder).pathname, { maxAge: '1h' }),
    );
  }

  const page = (request: Request, response: Response) => {
    const reader = pageReader(request, response, readers, 'campaigns.forbidden');
    return reader && { ...reader, canEdit: writers.has(reader.user.role) };
  };

  router.get('/campaigns', async (request, response) => {
    const context = page(request, response);
    if (!context) return;

    const rows: CampaignRow[] = [];
    for (const campaign of await listCampaigns(db)) {
      const rollout = await campaignRollout(db, campaign.id);
      rows.push({ campaign, status: statusAt(campaign, now()), counts: rollout.counts });
    }
    response.type('html').send(campaignListPage({ ...context, rows }));
  });

  const editor = async (request: Request, response: Response, id: string | null) => {
    const context = page(request, response);
    if (!context) return;

    const campaign = id === null ? null : await getCampaign(db, id);
    const [branches, places, benefits, targets] = await Promise.all([
      listBranches(deps.db),
      targetBranches(deps.db),
      listBenefits(db),
      campaign ? campaignTargets(db, campaign.id) : [],
    ]);
    const themes = new Map(places.map((place) => [place.id, place.theme]));
    response.type('html').send(
      campaignFormPage({
        ...context,
        campaign: campaign ? { ...campaign, status: statusAt(campaign, now()) } : null,
        branches: branches.map((branch) => ({
          id: branch.id,
          name: branch.name,
          region: branch.region,
          tags: branch.tags,
          theme: themes.get(branch.id) ?? null,
        })),
        benefits: benefits.map((benefit) => ({ id: benefit.id, name: benefit.name })),
        funnelSteps,
        targets,
        saved: request.query.saved === '1',
      }),
    );
  };

  router.get('/campaigns/new', (request, response) => {
    const user = response.locals.user as User | null;
    // Only those who may save one get an empty form; an analyst has nothing to fill in.
    if (user && readers.has(user.role) && !writers.has(user.role)) {
      return response.redirect(303, '/campaigns');
    }
    return editor(request, response, null);
  });
  router.get('/campaigns/:id', (request, response) => {
    const id = Id.safeParse(request.params.id);
    return editor(request, response, id.success ? id.data : '');
  });
  return router;
}
