import type { QueueEvent, QueueState } from '../../protocol/index.ts';
import { defineNode, listen, type NodeDoor, type Red, type RedNode } from './node-api.ts';
import {
  AudienceInConfig,
  CampaignInConfig,
  DeviceInConfig,
  QueueInConfig,
} from './node-config.ts';

const only = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/** Audience in: a zone's or a camera's people, entries (a rise in people) or age bands. */
function audienceIn(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-audience-in', AudienceInConfig, (node, config) => {
    const last = new Map<string, number>();
    const seen = (key: string, people: number, at: number, ages?: unknown) => {
      const before = last.get(key);
      last.set(key, people);
      const where = { [config.source]: key, at };
      if (config.mode === 'occupancy' && before !== people) {
        node.send({ topic: key, payload: { ...where, people } });
      }
      if (config.mode === 'entries' && before !== undefined && people > before) {
        node.send({ topic: key, payload: { ...where, entries: people - before, people } });
      }
      if (config.mode === 'demographics' && ages)
        node.send({ topic: key, payload: { ...where, ages } });
    };

    node.status({ fill: 'grey', shape: 'ring', text: `${config.source} ${config.target ?? '*'}` });
    return config.source === 'zone'
      ? listen(door, 'zoneAudience', only('zone', config.target), (message) =>
          seen(message.zone, message.people, message.at, message.ages),
        )
      : listen(door, 'audienceCount', only('camera', config.target), (message) =>
          seen(message.camera, message.people, message.at),
        );
  });
}

/** What a flow hears of a queue event: the ticket's number and service, never a person. */
function eventPayload(event: QueueEvent) {
  const { ticket } = event;
  return {
    type: event.type,
    at: event.at,
    number: ticket.number,
    service: ticket.service,
    counter: ticket.counter ?? null,
    segment: ticket.segment ?? null,
  };
}

function statePayload(state: QueueState, service: string | undefined) {
  const waiting = state.waiting.filter((entry) => !service || entry.service === service);
  return {
    at: state.at,
    waiting: waiting.reduce((sum, entry) => sum + entry.count, 0),
    byService: Object.fromEntries(waiting.map((entry) => [entry.service, entry.count])),
    nowServing: state.nowServing,
    counters: state.counters ?? [],
    issuedToday: state.issuedToday,
    servedToday: state.servedToday,
  };
}

/** Queue in: ticket events of a type and service, or the waiting figures when they change. */
function queueIn(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-queue-in', QueueInConfig, (node, config) => {
    if (config.event === 'state') {
      let previous = '';
      return listen(door, 'queueState', {}, (state) => {
        const payload = statePayload(state, config.service);
        const key = JSON.stringify({ ...payload, at: 0 });
        if (key === previous) return;

        previous = key;
        node.send({ topic: 'queue/state', payload });
      });
    }

    return listen(door, 'queueEvent', {}, (event) => {
      if (config.event !== 'any' && event.type !== config.event) return;
      if (config.service && event.ticket.service !== config.service) return;

      node.send({ topic: `queue/${event.type}`, payload: eventPayload(event) });
    });
  });
}

/** Device in: a device's telemetry (of one kind, if set) or its state. */
function deviceIn(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-device-in', DeviceInConfig, (node: RedNode, config) => {
    const params = only('device', config.device);
    if (config.channel === 'state') {
      return listen(door, 'deviceState', params, (message) =>
        node.send({ topic: message.device, payload: message }),
      );
    }

    return listen(door, 'deviceTelemetry', params, (message) => {
      if (config.kind && message.kind !== config.kind) return;

      node.send({ topic: message.device, payload: message });
    });
  });
}

/** Campaign event in: a new campaign manifest applied to the branch, by version. */
function campaignIn(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-campaign-in', CampaignInConfig, (node) => {
    let version = 0;
    return listen(door, 'campaignManifest', {}, (manifest) => {
      if (manifest.version === version) return;

      version = manifest.version;
      const campaigns = manifest.campaigns.map(({ id, name, priority }) => ({
        id,
        name,
        priority,
      }));
      node.send({
        topic: 'campaign/manifest',
        payload: { version, issuedAt: manifest.issuedAt, campaigns },
      });
    });
  });
}

export function registerInNodes(red: Red, door: NodeDoor) {
  audienceIn(red, door);
  queueIn(red, door);
  deviceIn(red, door);
  campaignIn(red, door);
}
