import mqtt, { type MqttClient } from 'mqtt';
import {
  decodeMessage,
  type EnrolResponse,
  encodeMessage,
  type PullRequest,
  type PullResponse,
  Stream,
  type StreamName,
  topic,
  type UplinkRecord,
} from '../../protocol/index.ts';

/** Enrols a gateway over real HTTP and returns the cloud's answer. */
export async function enrol(
  httpUrl: string,
  token: string,
  gateway: string,
): Promise<EnrolResponse> {
  const response = await fetch(`${httpUrl}/api/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, gateway, version: '0.1.0' }),
  });
  if (response.status !== 200)
    throw new Error(`enrol answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as EnrolResponse;
}

export function connect(
  url: string,
  username: string,
  password: string,
  clientId = username,
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    username,
    password,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
}

export function audienceRecord(seq: number, at = 1_767_600_000_000 + seq * 60_000): UplinkRecord {
  return {
    seq,
    at,
    kind: 'audience.minute',
    data: {
      camera: 'cam+1',
      minute: at,
      frames: 60,
      peopleMean: seq % 5,
      peopleMax: seq % 7,
      source: 'synthetic',
      lineage: { model: 'movenet-multipose', modelVersion: '1', backend: 'wasm' },
    },
  };
}

export function queueRecord(seq: number, at = 1_767_600_000_000 + seq * 60_000): UplinkRecord {
  return {
    seq,
    at,
    kind: 'queue.minute',
    data: {
      minute: at,
      service: 'VIP+',
      issued: 2,
      served: 1,
      waitSecondsTotal: 90,
      waitSecondsMax: 60,
    },
  };
}

/** What the scripted gateway sends for one pull: the honest answer, or anything a test wants. */
export type Script = (
  request: PullRequest,
  honest: PullResponse,
) => Array<Buffer | string | PullResponse>;

/**
 * A gateway peer over a real MQTT connection: holds records per stream, answers the cloud's
 * pulls from them, and lets a test script misbehaviour.
 */
export class GatewayPeer {
  readonly pulls: PullRequest[] = [];
  readonly held = Object.fromEntries(
    Stream.options.map((stream) => [stream, []]),
  ) as unknown as Record<StreamName, UplinkRecord[]>;
  script: Script = (_request, honest) => [honest];

  private constructor(
    readonly client: MqttClient,
    readonly gateway: string,
    readonly branch: string,
    private readonly now: () => number,
  ) {}

  static async start(
    enrolment: EnrolResponse,
    now: () => number,
    clientId?: string,
  ): Promise<GatewayPeer> {
    const { url, username, password } = enrolment.broker;
    const client = await connect(url, username, password, clientId);
    const peer = new GatewayPeer(client, enrolment.gateway, enrolment.branch, now);
    client.on('message', (_topic, payload) => peer.answer(payload));
    await client.subscribeAsync(topic('pullRequest', { branch: enrolment.branch }), { qos: 1 });
    return peer;
  }

  honest(request: PullRequest): PullResponse {
    const held = this.held[request.stream];
    const records = held.filter((record) => record.seq > request.after).slice(0, request.limit);
    const lastSeq = held.reduce((highest, record) => Math.max(highest, record.seq), 0);
    return {
      pullId: request.pullId,
      gateway: this.gateway,
      stream: request.stream,
      after: request.after,
      records,
      lastSeq,
      at: this.now(),
    };
  }

  private answer(payload: Buffer) {
    const decoded = decodeMessage('pullRequest', payload);
    if (!decoded.ok) throw new Error(`cloud sent a bad pull: ${decoded.error.path}`);
    if (decoded.message.gateway !== undefined && decoded.message.gateway !== this.gateway) return;

    this.pulls.push(decoded.message);
    const responseTopic = topic('pullResponse', { branch: this.branch });
    for (const answer of this.script(decoded.message, this.honest(decoded.message))) {
      const bytes =
        typeof answer === 'string' || Buffer.isBuffer(answer)
          ? answer
          : encodeMessage('pullResponse', answer);
      this.client.publish(responseTopic, bytes, { qos: 1 });
    }
  }

  async publish(channel: 'liveStatus' | 'alarm', message: unknown, raw?: string) {
    const bytes = raw ?? JSON.stringify(message);
    await this.client.publishAsync(topic(channel, { branch: this.branch }), bytes, { qos: 1 });
  }

  async stop() {
    // Forced: a peer whose stream broke must not hold the test up.
    await this.client.endAsync(true);
  }
}
