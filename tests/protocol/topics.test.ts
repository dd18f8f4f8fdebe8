import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceFilter,
  encodeId,
  parseTopic,
  topic,
  topicFilter,
  topicMatches,
} from '../../protocol/index.ts';

const awkwardIds = ['kiosk#2', 'cam+1', 'door/3', 'VIP+', '$SYS', 'a b', '窗口3', '..'];

describe('topics', () => {
  it.each(awkwardIds)('keeps the levels of a topic whose id is %s', (id) => {
    const name = topic('deviceState', { branch: 'b1', device: id });

    expect(name.split('/')).toHaveLength(6);
    expect(name).not.toMatch(/[+#]/);
    expect(name).not.toContain('\u0000');
    expect(name.split('/').some((level) => level.startsWith('$'))).toBe(false);
    expect(parseTopic(name)).toEqual({
      channel: 'deviceState',
      branch: 'b1',
      params: { device: id },
    });
  });

  it('refuses an empty id or one with a control character, naming it', () => {
    expect(() => topic('deviceState', { branch: 'b1', device: '' })).toThrow(/"" is empty/);
    expect(() => encodeId('door\u00003')).toThrow(/control character/);
  });

  it('gives each device a subscription that matches no other device', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        (a, b) => {
          fc.pre(a !== b && isUsable(a) && isUsable(b));
          const filter = deviceFilter('b1', a);

          expect(topicMatches(filter, topic('deviceTelemetry', { branch: 'b1', device: a }))).toBe(
            true,
          );
          expect(topicMatches(filter, topic('deviceTelemetry', { branch: 'b1', device: b }))).toBe(
            false,
          );
        },
      ),
    );
  });

  it('builds filters with + for every id not given', () => {
    expect(topicFilter('deviceState', { branch: 'b1' })).toBe('sb/v1/b1/device/+/state');
    expect(topicFilter('liveStatus')).toBe('sb/v1/+/uplink/status');
  });

  it('matches filters as MQTT does, and never $-topics by a leading wildcard', () => {
    expect(topicMatches('sb/v1/+/queue/#', 'sb/v1/b1/queue/ticket/issue')).toBe(true);
    expect(topicMatches('sb/v1/+/queue/state', 'sb/v1/b1/queue/event')).toBe(false);
    expect(topicMatches('#', '$SYS/broker/clients')).toBe(false);
  });

  it('finds no channel for a topic outside the protocol', () => {
    expect(parseTopic('sb/v1/b1/device/x/unknown')).toBeNull();
    expect(parseTopic('other/v1/b1/queue/state')).toBeNull();
  });
});

function isUsable(id: string) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: mirrors the id rule under test
  return id.trim() === id && !/[\u0000-\u001f\u007f]/.test(id);
}
