import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Cloud, CloudConfig, startCloud } from '../cloud/index.ts';
import { componentVersions, hashPassword, type ModuleContext, parseConfig } from '../core/index.ts';
import type { BusClient } from '../edge/bus/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../edge/runtime.ts';
import {
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startSimulator,
} from '../simulator/index.ts';
import type { DemoOptions } from './demo.ts';
import { seedDemoCity } from './demo-city.ts';
import {
  type CameraChoice,
  chooseCamera,
  demoBranch,
  demoKioskLeads,
  demoLeadKeys,
  demoQueue,
  demoScreens,
  demoSecrets,
  pagePaths,
} from './demo-config.ts';
import { claimFolder } from './folder-claim.ts';
import { processContext, untilSignal } from './process.ts';
import { statusLine } from './status-line.ts';
import { buildSummary, waitForDrain } from './summary.ts';

interface Running {
  cloud: Cloud;
  gateway: Gateway;
  simulator: Simulator;
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
        cameras: [{ id: 'lobby-cam', source: cameraSource(camera), fps: 4 }],
        queue: demoQueue,
        screens: {
          timeZone: demoBranch.timeZone,
          cacheDir: join(dataDir, 'gateway', 'screens-cache'),
          screens: [...demoScreens],
        },
        automation: {},
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

  const simulator = await startSimulator(
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
  return { cloud, gateway, simulator, camera };
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
  await running.simulator.stop();
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
