import type { Kysely } from 'kysely';
import type { CountryCode } from 'libphonenumber-js';
import { type ModuleContext, SmartBranchError, type Timer } from '../../core/index.ts';
import type { Database } from '../store/index.ts';
import { leadScope, scopeOf, type Viewer, withinScope } from './access.ts';
import { staffOf, upsertStaff } from './assignment.ts';
import { recordRead } from './audit.ts';
import { captureLead } from './capture.ts';
import { LeadsConfig } from './config.ts';
import type { Keyring } from './crypto.ts';
import { type FigureDimension, leadFigures } from './figures.ts';
import { importSealedLeads } from './kiosk.ts';
import { addNote, claimLead, escalateOverdue, stepLead } from './lifecycle.ts';
import { eraseByPhone, resealWithCurrentKey } from './privacy.ts';
import {
  type LeadCapture,
  type LeadRow,
  leadsDb,
  type StaffInput,
  type Transition,
} from './schema.ts';
import type { SealKeys } from './sealed.ts';
import { anonymousView, personalView } from './views.ts';
import { postStateChange } from './webhook.ts';

export interface LeadsSecrets {
  keyring: Keyring;
  /** Keys the QR tokens' HMAC; at least 32 bytes. */
  tokenSecret: Buffer;
  sealKeys: SealKeys;
}

export type LeadsService = ReturnType<typeof createLeads>;

export function createLeads(
  db: Kysely<Database>,
  configInput: unknown,
  secrets: LeadsSecrets,
  context: ModuleContext,
) {
  const config = LeadsConfig.parse(configInput ?? {});
  const store = leadsDb(db);
  const log = context.log.child({ module: 'leads' });
  const now = () => context.clock.now();
  const keyring = secrets.keyring;
  const country = config.defaultCountry as CountryCode;
  let escalation: Timer | null = null;

  const loadVisible = async (viewer: Viewer, id: string): Promise<LeadRow> => {
    const scope = await leadScope(store, viewer);
    const row = await withinScope(store.selectFrom('leads').selectAll(), scope)
      .where('leads.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', 'lead', 'id');

    return row;
  };

  const notify = async (from: string | null, after: LeadRow, by: string) => {
    if (!config.webhook) return;

    const personal = config.webhook.role === 'branch-manager' && after.name_sealed !== null;
    if (personal)
      await recordRead(store, { id: 'crm', role: 'webhook' }, 'webhook', [after.id], now());
    const lead = personal ? personalView(after, keyring) : anonymousView(after);
    const change = {
      event: 'lead.state' as const,
      from,
      to: after.state,
      at: now(),
      by,
      lead,
    };
    await postStateChange(config.webhook, change, log);
  };

  return {
    config,
    secrets,
    db: store,

    async capture(input: LeadCapture) {
      const result = await captureLead({ db: store, keyring, config }, input, now());
      if (!result.duplicate) {
        log.info({ lead: result.id, branch: input.branch, source: input.source }, 'lead captured');
        const row = await store
          .selectFrom('leads')
          .selectAll()
          .where('id', '=', result.id)
          .executeTakeFirstOrThrow();
        await notify(null, row, input.source);
      }

      return result;
    },

    /** The leads the viewer may see, newest first, personal fields opened and audited. */
    async list(
      viewer: Viewer,
      filter: { state?: string | undefined; dueBy?: number | undefined } = {},
    ) {
      const scope = await leadScope(store, viewer);
      let query = withinScope(store.selectFrom('leads').selectAll(), scope).orderBy(
        'created_at',
        'desc',
      );
      if (filter.state) query = query.where('state', '=', filter.state);
      if (filter.dueBy !== undefined) query = query.where('follow_up_at', '<=', filter.dueBy);
      const rows = await query.limit(1000).execute();
      await recordRead(
        store,
        viewer,
        'list',
        rows.map((row) => row.id),
        now(),
      );
      return rows.map((row) => personalView(row, keyring));
    },

    async get(viewer: Viewer, id: string) {
      const row = await loadVisible(viewer, id);
      await recordRead(store, viewer, 'read', [id], now());
      const events = await store
        .selectFrom('lead_events')
        .selectAll()
        .where('lead_id', '=', id)
        .orderBy('at')
        .execute();
      const history = events.map((event) => ({
        at: event.at,
        by: event.by_user,
        kind: event.kind,
        from: event.from_state,
        to: event.to_state,
        note: event.note_sealed ? keyring.open(event.note_sealed) : null,
      }));
      return { ...personalView(row, keyring), history };
    },

    async step(viewer: Viewer, id: string, step: Transition) {
      const before = await loadVisible(viewer, id);
      const after = await stepLead({ db: store, keyring }, before, step, viewer.id, now());
      log.info({ lead: id, from: before.state, to: after.state, user: viewer.id }, 'lead moved');
      await notify(before.state, after, viewer.id);
      return anonymousView(after);
    },

    async claim(viewer: Viewer, id: string) {
      await claimLead(store, await loadVisible(viewer, id), viewer.id, now());
    },

    async note(viewer: Viewer, id: string, text: string) {
      await loadVisible(viewer, id);
      await addNote({ db: store, keyring }, id, text, viewer.id, now());
    },

    async figures(
      viewer: Viewer,
      by: FigureDimension,
      filter: { from?: number; to?: number } = {},
    ) {
      const scope = await scopeOf(store, viewer);
      if (scope.kind === 'none')
        throw new SmartBranchError('SB_ERR_FORBIDDEN', `role ${viewer.role}`);

      return leadFigures(store, by, filter);
    },

    scopeOf: (viewer: Viewer) => scopeOf(store, viewer),
    setStaff: (staff: StaffInput) => upsertStaff(store, staff),
    staffOf: (userId: string) => staffOf(store, userId),

    async erase(phone: string) {
      const erased = await eraseByPhone(store, keyring, phone, country, now());
      log.info({ leads: erased }, 'personal data erased on request');
      return erased;
    },

    async reseal() {
      const count = await resealWithCurrentKey(store, keyring);
      log.info({ values: count, key: keyring.currentId }, 'personal data resealed');
      return count;
    },

    async escalate() {
      const escalated = await escalateOverdue(store, now());
      if (escalated.length) log.warn({ leads: escalated.length }, 'leads escalated past their SLA');
      return escalated;
    },

    /** Takes in kiosk leads the puller stored; each uplink record makes one lead, once. */
    importKiosk() {
      return importSealedLeads(store, secrets.sealKeys, (input) => this.capture(input), log);
    },

    start() {
      escalation = context.clock.every(config.escalationCheckMs, () => {
        this.escalate().catch((err: unknown) => log.error({ err }, 'escalation failed'));
        this.importKiosk().catch((err: unknown) => log.error({ err }, 'kiosk import failed'));
      });
    },

    stop() {
      escalation?.cancel();
      escalation = null;
    },
  };
}
