import type { Channel, MessageOf } from '../../protocol/index.ts';

const lineage = { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' };
const ticket = {
  id: 't-1', number: 'A001', service: 'cash', day: '2026-12-04', state: 'waiting' as const,
  issuedAt: 1000,
};

/** One valid message per channel; a test checks that every channel has one. */
export const samples: { [C in Channel]: MessageOf<C> } = {
  deviceTelemetry: { device: 'door/3', at: 1, kind: 'door', values: { open: true } },
  deviceState: { device: 'kiosk#2', at: 1, state: 'online' },
  audienceCount: { camera: 'cam+1', at: 1, people: 3, source: 'footage', confidence: 0.8,
    lineage },
  queueIssue: { requestId: 'r1', service: 'VIP+', source: 'kiosk', replyTo: 'kiosk#2' },
  queueCounterCommand: { requestId: 'r2', action: 'call-next' },
  queueEvent: { type: 'issued', at: 1000, ticket },
  queueState: { at: 1, day: '2026-12-04', waiting: [{ service: 'cash', count: 1 }],
    nowServing: [], issuedToday: 1, servedToday: 0 },
  reply: { correlationId: 'r1', status: 'ok', data: ticket },
  pullRequest: { pullId: 'p1', stream: 'audience', after: 0, limit: 100, at: 1 },
  pullResponse: { pullId: 'p1', gateway: 'g1', stream: 'audience', after: 0, lastSeq: 1, at: 2,
    records: [{ seq: 1, at: 60_000, kind: 'audience.minute', data: { camera: 'cam+1',
      minute: 0, frames: 10, peopleMean: 1.5, peopleMax: 2, source: 'footage', lineage } }] },
  liveStatus: { gateway: 'g1', at: 1, version: '0.1.0', people: 2, cameraSource: 'synthetic',
    ticketsWaiting: 3, ticketsServedToday: 4, backlog: { audience: 0, queue: 2 },
    devicesOnline: 2, devicesTotal: 3 },
  alarm: { gateway: 'g1', at: 1, code: 'SB_ERR_SOURCE_FAILED', severity: 'warning',
    message: 'camera cam-1 offline', device: 'cam-1' },
  campaignManifest: { branch: 'b1', version: 3, issuedAt: 1, campaigns: [], keyId: 'k1',
    signature: 'c2lnbmF0dXJl' },
  zoneAudience: { zone: 'waiting', at: 1, people: 9, viewers: 4, ages: { '55-64': 5 } },
  screenRegistration: { id: 'tv#1', name: 'TV', zone: 'window', resolution: '1920x1080',
    orientation: 'landscape', role: 'signage' },
  screenOverride: { id: 'n1', title: 'Closing soon', minutes: 5 },
  screenTheme: { theme: 'car-life' },
  screenStatus: { screen: 'tv#1', at: 1, state: 'online', players: 1 },
  deviceCommand: { requestId: 'r3', action: 'switch', on: true },
  deviceReply: { correlationId: 'r3', status: 'ok' },
  deviceProfile: { device: 'relay-1', at: 1, version: 2, status: 'applied' },
  printerJob: { requestId: 'r4', branchName: '深圳福田支行', service: '现金 Cash',
    number: 'A007', waitMinutes: 4 },
};
