import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Cloud, CloudConfig, startCloud } from '../cloud/index.ts';
import { componentVersions, hashPassword, type ModuleContext, parseConfig } from '../core/index.ts';
import type { BusClient } from '../edge/bus/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../edge/runtime.ts';
import {
  type Prospects,
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startProspects,
  startSimulator,
} from '../simulator/index.ts';
import type { DemoOptions } from './demo.ts';
import { demoCampaign, seedDemoCampaign } from './demo-campaign.ts';
import { seedDemoCity } from './demo-city.ts';
import {
  type CameraChoice,
  chooseCamera,
  demoBranch,
  demoFlowsFolder,
  demoKioskLeads,
  demoLeadKeys,
  demoQueue,
  demoScreens,
  demoSecrets,
  demoZonesFile,
  pagePaths,
} from './demo-config.ts';
import { claimFolder } from './folder-claim.ts';
import { processContext, untilSignal } from './process.ts';
import { statusLine } from './status-line.ts';
import { buildSummary, waitForDrain } from './summary.ts';

interface Running {
  cloud: Cloud;
  gateway: Gateway;
  simulator: Simulator | null;
  /** Null when HQ refused the demo's campaign: the rest of the demo runs on. */
  prospects: Prospects | null;
  camera: CameraChoice;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const release = claimOrExit(dataDir);
  const logFile = join(dataDir, 'logs', 'demo.log');
  const context = processContext('demo', logFile);
  const seed = Number(options.seed);
  const camera = chooseCamera(options.footage, seed);
  const startedAt = Date.now();

  if (camera.kind === 'synthetic') {
    console.log(`no real footage: ${camera.why}; using the simulator's synthetic camera`);
  }
  const running = await startAll(dataDir, camera, seed, context);
  printWelcome(running, dataDir, logFile);

  const status = setInterval(
    () => console.log(statusLine(running, startedAt)),
    Number(options.statusEvery) * 1000,
  );
  const finish = async () => {
    clearInterval(status);
    await stopAll(running, options, startedAt, context);
    release();
  };

  if (options.duration === undefined) return untilSignal(context.log, finish);

  const done = new Promise<void>((resolveDone) =>
    setTimeout(() => finish().then(resolveDone), Number(options.duration) * 1000),
  );
  await Promise.race([done, untilSignal(context.log, finish)]);
}

function claimOrExit(dataDir: string): () => void {
  try {
    return claimFolder(dataDir, 'demo');
  } catch (err) {
    console.error(`smartbranch: ${(err as Error).message}`);
    process.exit(2);
  }
}

async function startAll(
  dataDir: string,
  camera: CameraChoice,
  seed: number,
  context: ModuleContext,
): Promise<Running> {
  const secrets = await demoSecrets(dataDir);
  // The cloud's leads module reads its keys from the environment, as in production.
  const leadKeys = demoLeadKeys(dataDir);
  Object.assign(process.env, leadKeys.environment);
  // The simulated phones all post the lead form from 127.0.0.1: HQ's per-address limit would
  // stop them within minutes. A bank's own SB_LEADS_CONFIG is left as it is.
  process.env.SB_LEADS_CONFIG ??= JSON.stringify({
    rateLimit: { perAddress: 100_000, perToken: 100_000 },
  });
  const cloud = await startCloud(
    parseConfig(
      'demo cloud config',
      {
        http: { port: 0 },
        broker: { port: 0 },
        store: { url: `sqlite:${join(dataDir, 'cloud.db')}` },
        admin: { username: 'admin', passwordHash: secrets.hashes.admin },
        branches: [demoBranch],
      },
      CloudConfig,
    ),
    child(context, 'cloud'),
  );
  const city = await seedDemoCity(
    cloud.httpUrl,
    { username: 'admin', password: secrets.adminPassword },
    demoBranch.id,
    seed,
  );
  console.log(
    `SYNTHETIC city around the demo branch (made up, no outside data): ${city
      .map((report) => `${report.accepted} ${report.kind}`)
      .join(', ')}`,
  );

  const simulatorClients = {
    kiosk: { username: 'kiosk', password: secrets.busPasswords.kiosk ?? '' },
    door: { username: 'door', password: secrets.busPasswords.door ?? '' },
    counter: { username: 'counter', password: secrets.busPasswords.counter ?? '' },
  };
  const simulatorShape = {
    seed,
    branch: demoBranch.id,
    gateway: { brokerUrl: 'mqtt://127.0.0.1:1', clients: simulatorClients },
    customers: {
      arrivalsPerHour: 720,
      serviceMix: { cash: 5, cards: 2, accounts: 2, wealth: 1 },
      walkToKioskSeconds: 3,
    },
    // A brisk branch, so a 30-second run already shows tickets issued and served.
    counters: demoQueue.counters.map((counter) => ({ id: counter.id, serviceMinutesMean: 0.1 })),
    idlePollSeconds: 2,
  };

  const gateway = await startGateway(
    parseConfig(
      'demo gateway config',
      {
        gateway: `${demoBranch.id}-gw1`,
        branch: demoBranch.id,
        branchName: demoBranch.name,
        dataDir: join(dataDir, 'gateway'),
        http: { port: 0 },
        // The technician page's templates add simulated devices: the demo box has no GPIO.
        allowSimulatedDevices: true,
        bus: {
          port: 0,
          clients: await hashedClients(
            simulatorBusClients(
              demoBranch.id,
              parseConfig('demo simulator config', simulatorShape, SimulatorConfig),
            ),
          ),
        },
        technicians: [{ username: 'tech', password: secrets.hashes.technician }],
        cameras: [
          { id: 'lobby-cam', source: cameraSource(camera), fps: 4, zones: demoZonesFile(dataDir) },
        ],
        queue: demoQueue,
        screens: {
          timeZone: demoBranch.timeZone,
          cacheDir: join(dataDir, 'gateway', 'screens-cache'),
          screens: [...demoScreens],
        },
        automation: { flowsFolder: demoFlowsFolder(dataDir) },
        kioskLeads: { ...demoKioskLeads, sealPublicKey: leadKeys.sealPublicKey },
        uplink: {
          cloudUrl: cloud.httpUrl,
          brokerUrl: cloud.brokerUrl,
          enrolmentToken: await cloud.createEnrolmentToken(demoBranch.id),
          statusIntervalMs: 2000,
        },
      },
      GatewayConfig,
    ),
    child(context, 'gateway'),
  );

  const simulator = await startDemoSimulator(
    parseConfig(
      'demo simulator config',
      {
        ...simulatorShape,
        gateway: { ...simulatorShape.gateway, brokerUrl: gateway.busUrl },
      },
      SimulatorConfig,
    ),
    child(context, 'simulator'),
  );
  const prospects = await startDemoProspects(cloud, gateway, secrets, seed, context).catch(
    (err: Error) => {
      console.log(`no simulated screen viewers: ${err.message}`);
      context.log.error({ err }, 'demo prospects not started');
      return null;
    },
  );
  return { cloud, gateway, simulator, prospects, camera };
}

/**
 * The simulated customers, or none: a bus that refuses their login (a device added in the
 * technician page took it, say) leaves the rest of the demo running, said in one line.
 */
export async function startDemoSimulator(
  config: SimulatorConfig,
  context: ModuleContext,
  say: (line: string) => void = console.log,
): Promise<Simulator | null> {
  try {
    return await startSimulator(config, context);
  } catch (err) {
    say(`no simulated customers: ${(err as Error).message}`);
    context.log.error({ err }, 'demo simulator not started');
    return null;
  }
}

/**
 * People in front of the counter-area TV: a virtual player pairs with it (the code printed
 * afterwards is the next one, for a real browser), some of those watching the campaign scan
 * its QR, leave a lead and take a coupon, and some of them redeem it at counter 1 a seeded
 * quarter-minute or so later, so a short run already shows every step.
 */
async function startDemoProspects(
  cloud: Cloud,
  gateway: Gateway,
  secrets: Awaited<ReturnType<typeof demoSecrets>>,
  seed: number,
  context: ModuleContext,
): Promise<Prospects> {
  const campaign = await seedDemoCampaign(
    cloud.httpUrl,
    { username: 'admin', password: secrets.adminPassword },
    demoBranch.id,
  );
  const code = gateway.pairingCodes().find((entry) => entry.screen === demoCampaign.screen);
  return startProspects(
    {
      seed,
      branch: demoBranch.id,
      gatewayUrl: gateway.httpUrl,
      screens: [{ id: demoCampaign.screen, code: code?.code ?? '' }],
      links: [{ campaign: demoCampaign.id, screen: demoCampaign.screen, url: campaign.link }],
      viewersPerPlay: 3,
      scanShare: 0.2,
      products: { 'credit-card': 3, mortgage: 1, loan: 1 },
      consentVersion: '2026-12',
      coupons: {
        pools: [{ campaign: demoCampaign.id, codes: campaign.codes }],
        redeemShare: 0.6,
        redeemAfterMinutes: 0.25,
        counter: {
          busUrl: gateway.busUrl,
          username: 'counter',
          password: secrets.busPasswords.counter ?? '',
          counter: '1',
          replyClient: 'sim-counters',
        },
      },
    },
    child(context, 'prospects'),
  );
}

/** The gateway keeps only scrypt hashes of its bus clients' passwords. */
function hashedClients(clients: BusClient[]): Promise<BusClient[]> {
  return Promise.all(
    clients.map(async (client) => ({ ...client, password: await hashPassword(client.password) })),
  );
}

function cameraSource(camera: CameraChoice) {
  if (camera.kind !== 'synthetic') return camera;

  return { kind: 'synthetic' as const, seed: camera.seed };
}

/** One piece of the demo's process: its log lines say which, beside `process: demo`. */
function child(context: ModuleContext, name: string): ModuleContext {
  return { ...context, log: context.log.child({ piece: name }) };
}

function printWelcome(running: Running, dataDir: string, logFile: string) {
  const source =
    running.camera.kind === 'synthetic'
      ? 'synthetic camera'
      : running.camera.kind === 'url'
        ? running.camera.url
        : running.camera.path;
  console.log(
    [
      'SmartBranch demo: cloud, one branch gateway and its simulated customers',
      `  HQ page          ${running.cloud.httpUrl}/          (admin, see ${dataDir}/logins.json)`,
      `  technician page  ${running.gateway.httpUrl}/          (tech, same file)`,
      ...demoScreens.map((screen) => {
        const code = running.gateway.pairingCodes().find((entry) => entry.screen === screen.id);
        const label = { signage: 'screen player', 'queue-board': 'queue board', kiosk: 'kiosk' }[
          screen.role
        ].padEnd(16);
        return (
          `  ${label} ${running.gateway.httpUrl}${pagePaths[screen.role]}${screen.id}` +
          `   (pairing code ${code?.code ?? '?'})`
        );
      }),
      `  automation       ${running.gateway.httpUrl}/flows          (Node-RED, tech login)`,
      `  lead form        ${running.gateway.httpUrl}/kiosk/lead     (sealed to HQ's key)`,
      `  camera           ${source}`,
      `  logs             ${logFile}`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

async function stopAll(
  running: Running,
  options: DemoOptions,
  startedAt: number,
  context: ModuleContext,
) {
  await running.prospects?.stop();
  await running.simulator?.stop();
  await running.gateway.flush();
  await waitForDrain(running.cloud, running.gateway, 15_000);

  const summary = await buildSummary(running, startedAt, componentVersions());
  await running.gateway.stop();
  await running.cloud.stop();

  if (options.summary) writeFileSync(options.summary, `${JSON.stringify(summary, null, 2)}\n`);
  for (const check of summary.checks) {
    console.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.part}: ${check.detail}`);
  }
  context.log.info({ ok: summary.ok }, 'demo finished');
  process.exitCode = summary.ok ? 0 : 1;
}
