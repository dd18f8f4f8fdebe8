// The whole gateway of one busy branch: resident memory and CPU of the gateway process (web
// server, bus, store, sensing with its detector workers, queue, screens, console) with 0, 1
// and 2 cameras on real footage at 2 fps, 20 browser-less players and 200 devices.
// The players speak socket.io as player.js does: pair with the screen's code, heartbeat every
// 2 s, report a play when each programme item ends. The devices are bus clients with their own
// logins, each sending one message every 5 s in the bus bench's mix (telemetry at QoS 0,
// retained state at QoS 1 every 7th, a ticket request at QoS 1 every 20th).
// The gateway runs in a child process so its figures leave out the players and devices.
// Run: node --import tsx bench/gateway.ts [cameras ...] (default 0 1 2);
// GATEWAY_BENCH_SECONDS sets the measured seconds per run (default 60).
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createRegistry, parseConfig, silentLogger, systemClock } from '../core/index.ts';
import { GatewayConfig, startGateway } from '../edge/runtime.ts';
import { socketPath } from '../edge/screens/index.ts';
import { encodeMessage, topic } from '../protocol/index.ts';
import { tempDir } from '../tests/support/context.ts';
import { ffmpegAvailable, footageAvailable, footageDir } from '../tests/support/footage.ts';
import { childPids, cpuSeconds, memoryMb, waitedChildrenCpuSeconds } from './proc.ts';

const branch = 'bench-gateway';
const playerCount = 20;
const deviceCount = 200;
const devicePeriodMs = 5000;
let mixCounter = 0;
const seconds = Number(process.env.GATEWAY_BENCH_SECONDS ?? 60);

const devices = Array.from({ length: deviceCount }, (_, index) => ({
  username: `device-${index}`,
  password: `device password ${index}`,
  publish: [
    topic('deviceTelemetry', { branch, device: `device-${index}` }),
    topic('deviceState', { branch, device: `device-${index}` }),
    topic('queueIssue', { branch }),
  ],
  subscribe: [topic('reply', { branch, client: `device-${index}` })],
}));

/** What the gateway saw, read from its own stats at the end. */
interface Final {
  cameras: Array<{ id: string; fps: number; source: string }>;
  ticketsIssued: number;
  busMessagesIn: number;
  playersOnline: number;
  plays: number;
}

interface Ready {
  httpUrl: string;
  busUrl: string;
  codes: Array<{ screen: string; code: string }>;
}

/** The gateway's process: a whole gateway as gateway.json would start it, no uplink. */
async function gatewayProcess(cameraCount: number) {
  const dir = tempDir('sb-bench-gateway-');
  const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
  const realFootage = footageAvailable && ffmpegAvailable;
  const config = parseConfig(
    'bench gateway',
    {
      gateway: 'bench-gw',
      branch,
      branchName: 'Bench branch',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      bus: { port: 0, clients: devices },
      cameras: Array.from({ length: cameraCount }, (_, index) => ({
        id: `cam-${index + 1}`,
        fps: 2,
        source: realFootage
          ? { kind: 'folder', path: footageDir }
          : { kind: 'synthetic', seed: index + 1 },
      })),
      screens: {
        timeZone: 'Asia/Shanghai',
        cacheDir: join(dir.path, 'cache'),
        screens: Array.from({ length: playerCount }, (_, index) => ({
          id: `screen-${index + 1}`,
          name: `Screen ${index + 1}`,
          zone: 'waiting',
          resolution: '1920x1080',
          orientation: 'landscape',
          role: index === 0 ? 'queue-board' : 'signage',
        })),
      },
      queue: {
        timeZone: 'Asia/Shanghai',
        services: [
          { id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 10 },
          { id: 'cards', name: 'Cards', prefix: 'B', targetWaitMinutes: 15 },
        ],
        counters: [{ id: '1', name: 'Window 1', services: ['cash', 'cards'] }],
      },
    },
    GatewayConfig,
  );
  const gateway = await startGateway(config, context);
  const ready: Ready = {
    httpUrl: gateway.httpUrl,
    busUrl: gateway.busUrl,
    codes: gateway.pairingCodes().map(({ screen, code }) => ({ screen, code })),
  };
  process.send?.({ ready, footage: realFootage });
  await new Promise((resolve) => process.once('message', resolve));
  const cameras = gateway.stats().cameras.map((camera) => ({
    id: camera.id,
    fps: camera.fps,
    source: camera.source,
  }));
  const stats = gateway.stats();
  const final: Final = {
    cameras,
    ticketsIssued: stats.queue?.issued ?? 0,
    busMessagesIn: stats.bus.messagesIn,
    playersOnline: stats.screens?.playersOnline ?? 0,
    plays: stats.screens?.plays ?? 0,
  };
  process.send?.(final);
  await gateway.stop();
  dir.remove();
  process.exit(0);
}

/** A paired player as player.js behaves: heartbeats, and a play report per item played. */
async function player(ready: Ready, screen: string, code: string): Promise<Socket> {
  const response = await fetch(`${ready.httpUrl}/screens/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ screen, code }),
  });
  const { token } = (await response.json()) as { token: string };
  const socket = connectSocket(`${ready.httpUrl}/players`, {
    path: socketPath,
    auth: { token },
    transports: ['websocket'],
  });
  let items: Array<{ id: string; durationMs?: number }> = [];
  let playing = 0;
  let playTimer: NodeJS.Timeout | null = null;
  const playNext = () => {
    const item = items[playing++ % Math.max(1, items.length)];
    if (!item) return;
    const startedAt = Date.now();
    const durationMs = Math.max(5000, item.durationMs ?? 10_000);
    playTimer = setTimeout(() => {
      const play = {
        playId: `${screen}-${playing}`,
        item: item.id,
        startedAt,
        endedAt: Date.now(),
        completed: true,
      };
      socket.timeout(5000).emit('play', play, () => {});
      playNext();
    }, durationMs);
  };
  socket.on('programme', (programme: { items: typeof items }) => {
    items = programme.items;
    if (!playTimer) playNext();
  });
  const heartbeat = setInterval(
    () => socket.emit('heartbeat', { version: 'bench', width: 1920, height: 1080 }),
    2000,
  );
  socket.on('disconnect', () => {
    clearInterval(heartbeat);
    if (playTimer) clearTimeout(playTimer);
  });
  await new Promise((resolve) => socket.once('programme', resolve));
  return socket;
}

/** One device on the bus: a message every `devicePeriodMs`, started at a random phase. */
async function device(
  ready: Ready,
  index: number,
): Promise<{ client: MqttClient; sent: () => number }> {
  const login = devices[index] ?? devices[0];
  const name = login?.username ?? 'device-0';
  const client = await mqtt.connectAsync(ready.busUrl, {
    username: name,
    password: login?.password ?? '',
    clientId: name,
  });
  let sent = 0;
  const send = () => {
    sent += 1;
    // The mix is counted over all devices, so a short run still carries every kind.
    const nth = mixCounter++;
    if (nth % 20 === 19) {
      const request = {
        requestId: `${name}-${sent}`,
        replyTo: name,
        service: 'cash',
        source: 'kiosk' as const,
      };
      client.publish(topic('queueIssue', { branch }), encodeMessage('queueIssue', request), {
        qos: 1,
      });
    } else if (nth % 7 === 6) {
      const state = { device: name, at: Date.now(), state: 'online' as const };
      client.publish(
        topic('deviceState', { branch, device: name }),
        encodeMessage('deviceState', state),
        { qos: 1, retain: true },
      );
    } else {
      const telemetry = {
        device: name,
        at: Date.now(),
        kind: 'presence' as const,
        values: { n: sent },
      };
      client.publish(
        topic('deviceTelemetry', { branch, device: name }),
        encodeMessage('deviceTelemetry', telemetry),
        { qos: 0 },
      );
    }
  };
  setTimeout(() => {
    send();
    const timer = setInterval(send, devicePeriodMs);
    client.once('close', () => clearInterval(timer));
  }, Math.random() * devicePeriodMs);
  return { client, sent: () => sent };
}

/**
 * User + system CPU seconds of a process (every thread, the detector workers too) and of its
 * children (ffmpeg): the ones it waited for, plus the ones running now.
 */
function cpuSecondsWithChildren(pid: number): { own: number; children: number } {
  let children = waitedChildrenCpuSeconds(pid);
  for (const child of childPids(pid)) {
    try {
      children += cpuSeconds(child);
    } catch {
      // Gone between the listing and the read: its time is in the waited-for figure now.
    }
  }
  return { own: cpuSeconds(pid), children };
}

async function measure(cameraCount: number) {
  const child = fork(new URL(import.meta.url).pathname, ['--gateway', String(cameraCount)], {
    execArgv: ['--import', 'tsx'],
  });
  const first = await new Promise<{ ready: Ready; footage: boolean }>((resolve) =>
    child.once('message', (message) => resolve(message as { ready: Ready; footage: boolean })),
  );
  const pid = child.pid ?? 0;
  const idleRss = memoryMb(pid, 'VmRSS');
  const sockets = await Promise.all(
    first.ready.codes.map(({ screen, code }) => player(first.ready, screen, code)),
  );
  const buses = [];
  for (let index = 0; index < deviceCount; index += 20) {
    const batch = Array.from({ length: 20 }, (_, k) => device(first.ready, index + k));
    buses.push(...(await Promise.all(batch)));
  }
  console.log(
    `[${cameraCount} cameras] ${sockets.length} players and ${buses.length} devices connected; ` +
      `measuring ${seconds} s`,
  );

  const loadBefore = loadavg()[0] ?? 0;
  const cpuBefore = cpuSecondsWithChildren(pid);
  const started = Date.now();
  let peakRss = 0;
  for (let elapsed = 0; elapsed < seconds; elapsed += 1) {
    await systemClock.sleep(1000);
    peakRss = Math.max(peakRss, memoryMb(pid, 'VmRSS'));
    if ((elapsed + 1) % 15 === 0) {
      console.log(`[${cameraCount} cameras] ${elapsed + 1} s, RSS ${memoryMb(pid, 'VmRSS')} MB`);
    }
  }
  const cpuAfter = cpuSecondsWithChildren(pid);
  const wall = (Date.now() - started) / 1000;

  const done = new Promise<Final>((resolve) =>
    child.once('message', (message) => resolve(message as Final)),
  );
  child.send('stop');
  const final = await done;
  for (const socket of sockets) socket.close();
  await Promise.all(buses.map(({ client }) => client.endAsync()));
  await new Promise((resolve) => child.once('exit', resolve));

  return {
    cameras: cameraCount,
    footage: first.footage ? 'real (../shared/data/video, ffmpeg)' : 'synthetic',
    players: sockets.length,
    devices: buses.length,
    deviceMessages: buses.reduce((sum, bus) => sum + bus.sent(), 0),
    seconds: Math.round(wall),
    gatewayCpuCores: +((cpuAfter.own - cpuBefore.own) / wall).toFixed(3),
    ffmpegCpuCores: +((cpuAfter.children - cpuBefore.children) / wall).toFixed(3),
    rssAtStartMb: idleRss,
    peakRssMb: peakRss,
    cameraFps: final.cameras,
    ticketsIssued: final.ticketsIssued,
    busMessagesIn: final.busMessagesIn,
    playersOnline: final.playersOnline,
    plays: final.plays,
    loadAverage: [loadBefore, loadavg()[0] ?? 0].map((load) => +load.toFixed(1)),
  };
}

if (process.argv[2] === '--gateway') {
  await gatewayProcess(Number(process.argv[3]));
} else {
  const sizes = process.argv.slice(2).map(Number);
  console.log(
    `gateway: ${playerCount} players, ${deviceCount} devices, ${seconds} s per run; ` +
      `${cpus().length} cores, ${process.version}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  const results = [];
  for (const cameras of sizes.length ? sizes : [0, 1, 2]) {
    const figures = await measure(cameras);
    console.log(JSON.stringify(figures));
    results.push(figures);
  }
  console.log('\ncameras  gateway cores  ffmpeg cores  RSS at start MB  peak RSS MB');
  for (const figures of results) {
    console.log(
      [
        String(figures.cameras).padStart(7),
        String(figures.gatewayCpuCores).padStart(13),
        String(figures.ffmpegCpuCores).padStart(12),
        String(figures.rssAtStartMb).padStart(15),
        String(figures.peakRssMb).padStart(11),
      ].join('  '),
    );
  }
  process.exit(0);
}
