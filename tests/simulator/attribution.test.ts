import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { openStore } from '../../cloud/store/index.ts';
import { createUser } from '../../cloud/users/index.ts';
import { hashPassword, parseConfig } from '../../core/index.ts';
import { type Gateway, startGateway } from '../../edge/runtime.ts';
import { ScreensConfig } from '../../edge/screens/index.ts';
import {
  fleetBranchId,
  fleetCloudBranches,
  fleetGatewayConfig,
  type Managers,
  type Prospects,
  startManagers,
  startProspects,
} from '../../simulator/index.ts';
import { manualClock, tempDir, testContext } from '../support/context.ts';
import { leadKeysInEnvironment, simulatedPhonesConfig } from '../support/lead-keys.ts';

leadKeysInEnvironment(simulatedPhonesConfig);

const seed = 17;
const branch = fleetBranchId(0);
const campaigns = ['spring-card', 'home-loan'];
const screens = ['lobby-tv', 'window-tv'];
const managers = ['rm-li', 'rm-zhao'];
const password = 'relationship manager pass';
const dir = tempDir('sb-attribution-');
// Every timer of the run falls on a whole second, and the clock moves a second at a time
// after everything sent has its answer: HQ stamps a lead when the simulator left it.
const clock = manualClock();
const context = testContext(clock);
let cloud: Cloud;
let gateway: Gateway;
let prospects: Prospects;
let relationshipManagers: Managers;
const userIds = new Map<string, string>();

async function login(username: string, secret: string) {
  const response = await fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: secret }),
  });
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function as(cookie: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.httpUrl}${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function addUsers() {
  const store = await openStore({ url: `sqlite:${dir.path}/cloud.db` }, context);
  const passwordHash = await hashPassword(password);
  await createUser(store.db, { username: 'marketer', passwordHash, role: 'marketer' }, 0);
  for (const username of managers) {
    const user = await createUser(
      store.db,
      {
        username,
        passwordHash,
        role: 'relationship-manager',
      },
      0,
    );
    userIds.set(user.id, username);
  }
  await store.close();

  const admin = await login('admin', 'attribution-admin-pw');
  for (const [userId, username] of userIds) {
    await as(admin, 'PUT', '/api/leads/staff', {
      userId,
      branch,
      displayName: username,
      skills: ['credit-card', 'mortgage'],
      onDuty: true,
    });
  }
}

async function publishCampaigns(marketer: string) {
  for (const [index, campaign] of campaigns.entries()) {
    await as(marketer, 'POST', '/api/campaigns', {
      id: campaign,
      name: campaign,
      objective: 'card-application',
      priority: 5,
      items: [
        {
          id: `${campaign}-spot`,
          type: 'template',
          template: `<h1>${campaign}</h1>`,
          durationMs: 15_000 + index * 5000,
        },
      ],
      shareOfVoice: { share: 0.5 },
      branches: { branches: [branch] },
    });
    await as(marketer, 'POST', `/api/campaigns/${campaign}/publish`);
  }
  for (let second = 0; second < 600; second++) {
    const applied = await Promise.all(
      campaigns.map(
        async (campaign) =>
          (await as(marketer, 'GET', `/api/campaigns/${campaign}/rollout`)).counts.applied,
      ),
    );
    if (applied.every((count: number) => count === 1)) return;

    await clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the campaigns never reached the gateway');
}

async function signedLinks(marketer: string) {
  const links = [];
  for (const campaign of campaigns) {
    for (const screen of screens) {
      const link = await as(marketer, 'POST', '/api/leads/links', { branch, campaign, screen });
      links.push({ campaign, screen, url: link.url as string });
    }
  }
  return links;
}

async function play(seconds: number) {
  for (let second = 0; second < seconds; second++) {
    await clock.advance(1000);
    await prospects.settled();
    await relationshipManagers.settled();
  }
}

interface Figure {
  key: string | null;
  leads: number;
  contacted: number;
  won: number;
  lost: number;
  conversionRate: number;
  meanTimeToContactMs: number | null;
}

/** The figures HQ should show, from what the simulator's people and managers did. */
function expectedFigures(keyOf: (lead: { campaign: string; manager: string }) => string) {
  const actions = new Map(relationshipManagers.actions().map((action) => [action.phone, action]));
  const groups = new Map<string, { won: number; lost: number; waits: number[] }>();
  for (const lead of prospects.leads()) {
    const action = actions.get(lead.phone);
    if (!action) throw new Error(`nobody called ${lead.phone}`);

    const key = keyOf({ campaign: lead.campaign, manager: action.manager });
    const group = groups.get(key) ?? { won: 0, lost: 0, waits: [] };
    group[action.outcome] += 1;
    group.waits.push(action.contactedAt - lead.at);
    groups.set(key, group);
  }

  return [...groups].map(([key, group]): Figure => {
    const leads = group.waits.length;
    return {
      key,
      leads,
      contacted: leads,
      won: group.won,
      lost: group.lost,
      conversionRate: group.won / leads,
      meanTimeToContactMs: group.waits.reduce((sum, wait) => sum + wait, 0) / leads,
    };
  });
}

const byKey = (figures: Figure[]) =>
  [...figures].sort((left, right) => String(left.key).localeCompare(String(right.key)));

describe('attribution from a screen play to a won lead, through the simulator', () => {
  beforeAll(async () => {
    cloud = await startCloud(
      parseConfig(
        'attribution cloud',
        {
          http: { port: 0 },
          broker: { port: 0 },
          store: { url: `sqlite:${dir.path}/cloud.db` },
          admin: { username: 'admin', password: 'attribution-admin-pw' },
          pull: { intervalMs: 5000 },
          branches: fleetCloudBranches(1),
        },
        CloudConfig,
      ),
      context,
    );
    await addUsers();
    const token = await cloud.createEnrolmentToken(branch);
    const fleetCloud = {
      httpUrl: cloud.httpUrl,
      brokerUrl: cloud.brokerUrl,
      createEnrolmentToken: (id: string) => cloud.createEnrolmentToken(id),
    };
    const base = fleetGatewayConfig(0, { root: dir.path, seed, cloud: fleetCloud }, token);
    gateway = await startGateway(
      {
        ...base,
        screens: ScreensConfig.parse({
          timeZone: 'Asia/Shanghai',
          cacheDir: `${dir.path}/screens-cache`,
          screens: screens.map((id) => ({
            id,
            name: id,
            zone: 'lobby',
            resolution: '1920x1080',
            orientation: 'landscape',
            role: 'signage',
          })),
        }),
      },
      context,
    );
    const marketer = await login('marketer', password);
    await publishCampaigns(marketer);
    const codes = gateway.pairingCodes();
    prospects = await startProspects(
      {
        seed,
        branch,
        gatewayUrl: gateway.httpUrl,
        screens: screens.map((id) => ({
          id,
          code: codes.find((entry) => entry.screen === id)?.code ?? '',
        })),
        links: await signedLinks(marketer),
        viewersPerPlay: 3,
        scanShare: 0.15,
        products: { 'credit-card': 2, mortgage: 1 },
        consentVersion: '2026-12',
      },
      context,
    );
    relationshipManagers = startManagers(
      {
        seed,
        cloudUrl: cloud.httpUrl,
        winShare: 0.4,
        checkMinutes: 10,
        managers: managers.map((username) => ({ username, password })),
      },
      context,
    );
    // Forty minutes of plays and scans, then the managers' next rounds call the last ones.
    await play(40 * 60);
    await prospects.stop();
    await play(20 * 60);
  }, 600_000);
  afterAll(async () => {
    relationshipManagers?.stop();
    await prospects?.stop();
    await gateway?.stop();
    await cloud?.stop();
    dir.remove();
  });

  it('produces leads from the plays of both campaigns on both screens', () => {
    const leads = prospects.leads();
    const plays = prospects.plays();

    expect(prospects.refused()).toBe(0);
    for (const campaign of campaigns) expect(plays[campaign]).toBeGreaterThan(20);
    expect(new Set(leads.map((lead) => `${lead.campaign}/${lead.screen}`)).size).toBe(4);
    expect(leads.length).toBeGreaterThan(20);
    const outcomes = relationshipManagers.actions().map((action) => action.outcome);
    expect(outcomes.filter((outcome) => outcome === 'won').length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome === 'lost').length).toBeGreaterThan(0);
  });

  it('shows HQ per campaign the leads, conversion and contact time it produced', async () => {
    const marketer = await login('marketer', password);
    const shown = await as(marketer, 'GET', '/api/leads/figures?by=campaign');

    expect(byKey(shown.figures)).toEqual(byKey(expectedFigures((lead) => lead.campaign)));
  });

  it('shows the same per branch and per relationship manager', async () => {
    const marketer = await login('marketer', password);
    const perBranch = await as(marketer, 'GET', '/api/leads/figures?by=branch');
    const perManager = await as(marketer, 'GET', '/api/leads/figures?by=assignee');
    const named = (perManager.figures as Figure[]).map((figure) => ({
      ...figure,
      key: userIds.get(String(figure.key)) ?? figure.key,
    }));

    expect(byKey(perBranch.figures)).toEqual(byKey(expectedFigures(() => branch)));
    expect(byKey(named)).toEqual(byKey(expectedFigures((lead) => lead.manager)));
  });

  it('keeps the screen of every lead as the simulator saw it', async () => {
    const marketer = await login('marketer', password);
    const perScreen = await as(marketer, 'GET', '/api/leads/figures?by=screen');
    const produced = new Map<string, number>();
    for (const lead of prospects.leads())
      produced.set(lead.screen, (produced.get(lead.screen) ?? 0) + 1);

    expect(
      Object.fromEntries((perScreen.figures as Figure[]).map((f) => [f.key, f.leads])),
    ).toEqual(Object.fromEntries(produced));
  });
});
