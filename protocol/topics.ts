import { decodeId, encodeId } from './ids.ts';

/** Every topic lives under one versioned root per branch. */
export const topicRoot = 'sb/v1';

/**
 * The topic of every channel, as levels below `sb/v1/{branch}/`. `{name}` is an id level.
 * Nothing else in the code spells a topic.
 */
export const topicTemplates = {
  deviceTelemetry: 'device/{device}/telemetry',
  deviceState: 'device/{device}/state',
  audienceCount: 'audience/{camera}/count',
  queueIssue: 'queue/ticket/issue',
  queueCounterCommand: 'queue/counter/{counter}/command',
  counterRedeem: 'queue/counter/{counter}/redeem',
  queueEvent: 'queue/event',
  queueState: 'queue/state',
  reply: 'reply/{client}',
  pullRequest: 'uplink/pull/request',
  pullResponse: 'uplink/pull/response',
  liveStatus: 'uplink/status',
  alarm: 'uplink/alarm',
  campaignManifest: 'campaign/manifest',
  zoneAudience: 'audience/zone/{zone}/live',
  screenRegistration: 'screens/register',
  screenOverride: 'screens/override',
  screenTheme: 'screens/theme',
  screenStatus: 'screens/{screen}/status',
  deviceCommand: 'device/{device}/command',
  deviceReply: 'device/{device}/reply',
  deviceProfile: 'device/{device}/profile',
  printerJob: 'device/{device}/print',
  rolloutReport: 'uplink/rollout',
  commandRequest: 'command/request',
  commandAck: 'uplink/command/ack',
  moduleSettings: 'fleet/modules',
  benefitAllotment: 'benefits/allotment',
  redeemRequest: 'benefits/redeem/request',
  redeemReply: 'benefits/redeem/reply',
} as const;

export type Channel = keyof typeof topicTemplates;

type ParamsOf<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamsOf<Rest>
  : never;

export type TopicParams<C extends Channel> = { branch: string } & {
  [K in ParamsOf<(typeof topicTemplates)[C]>]: string;
};

const templateLevels = Object.fromEntries(
  Object.entries(topicTemplates).map(([channel, template]) => [channel, template.split('/')]),
) as Record<Channel, string[]>;

const paramName = (level: string) => (level.startsWith('{') ? level.slice(1, -1) : null);

/** The concrete topic of a channel; every id is encoded into exactly one level. */
export function topic<C extends Channel>(channel: C, params: TopicParams<C>): string {
  const values = params as Record<string, string>;
  const levels = templateLevels[channel].map((level) => {
    const name = paramName(level);
    if (name === null) return level;

    const value = values[name];
    if (value === undefined) throw new RangeError(`topic ${channel} needs ${name}`);
    return encodeId(value);
  });
  return [topicRoot, encodeId(params.branch), ...levels].join('/');
}

/**
 * A subscription filter for a channel: every id not given becomes `+`, so `{ branch: 'b1' }`
 * for deviceState matches every device's state in b1 and nothing else.
 */
export function topicFilter<C extends Channel>(
  channel: C,
  params: Partial<TopicParams<C>> = {},
): string {
  const values = params as Record<string, string | undefined>;
  const level = (value: string | undefined) => (value === undefined ? '+' : encodeId(value));
  const levels = templateLevels[channel].map((part) => {
    const name = paramName(part);
    return name === null ? part : level(values[name]);
  });
  return [topicRoot, level(values.branch), ...levels].join('/');
}

/** Everything under one branch, or under one device of a branch: for ACLs and bridges. */
export function branchFilter(branch: string): string {
  return `${topicRoot}/${encodeId(branch)}/#`;
}

export function deviceFilter(branch: string, device: string): string {
  return `${topicRoot}/${encodeId(branch)}/device/${encodeId(device)}/#`;
}

export interface ParsedTopic {
  channel: Channel;
  branch: string;
  params: Record<string, string>;
}

/** Which channel a topic belongs to, with its decoded ids; null for a topic outside them. */
export function parseTopic(name: string): ParsedTopic | null {
  const levels = name.split('/');
  if (levels[0] !== 'sb' || levels[1] !== 'v1' || levels.length < 4) return null;

  const branchLevel = levels[2] as string;
  const rest = levels.slice(3);
  for (const channel of Object.keys(templateLevels) as Channel[]) {
    const params = matchLevels(templateLevels[channel], rest);
    if (params) return { channel, branch: safeDecode(branchLevel) ?? '', params };
  }
  return null;
}

function matchLevels(template: string[], levels: string[]): Record<string, string> | null {
  if (template.length !== levels.length) return null;

  const params: Record<string, string> = {};
  for (const [index, part] of template.entries()) {
    const level = levels[index] as string;
    const name = paramName(part);
    if (name === null) {
      if (part !== level) return null;
      continue;
    }

    const value = safeDecode(level);
    if (value === null || value === '') return null;
    params[name] = value;
  }
  return params;
}

function safeDecode(level: string): string | null {
  try {
    return decodeId(level);
  } catch {
    return null;
  }
}

/** Whether a topic matches an MQTT filter with `+` and `#` [MQTT-4.7.1-2, MQTT-4.7.1-3]. */
export function topicMatches(filter: string, name: string): boolean {
  const filterLevels = filter.split('/');
  const nameLevels = name.split('/');

  // Wildcards at the first level never match topics that start with `$` [MQTT-4.7.2-1].
  if (name.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;

  for (const [index, part] of filterLevels.entries()) {
    if (part === '#') return true;
    if (index >= nameLevels.length) return false;
    if (part !== '+' && part !== nameLevels[index]) return false;
  }
  return filterLevels.length === nameLevels.length;
}
