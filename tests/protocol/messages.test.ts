import { describe, expect, it } from 'vitest';
import {
  type Channel,
  channelSchemas,
  decodeMessage,
  encodeMessage,
  maxPayloadBytes,
} from '../../protocol/index.ts';
import { samples } from './samples.ts';

const channels = Object.keys(channelSchemas) as Channel[];

describe('message schemas', () => {
  it('has a valid sample for every channel', () => {
    expect(Object.keys(samples).sort()).toEqual([...channels].sort());
  });

  it.each(channels)('accepts the sample %s and round-trips it', (channel) => {
    const decoded = decodeMessage(channel, encodeMessage(channel, samples[channel] as never));

    expect(decoded).toEqual({ ok: true, message: samples[channel] });
  });

  it.each(channels)('refuses %s that is not JSON, naming the payload', (channel) => {
    expect(decodeMessage(channel, '{nope')).toMatchObject({
      ok: false,
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: '(payload)' },
    });
  });

  it.each(channels)('refuses %s with an unknown field, naming it', (channel) => {
    const payload = JSON.stringify({ ...samples[channel], faceCrop: 'AAAA' });

    const decoded = decodeMessage(channel, payload);

    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.error.message).toMatch(/faceCrop/);
  });

  it.each(channels)('refuses %s with the first field of the wrong type, naming it', (channel) => {
    const [field, value] = Object.entries(samples[channel])[0] as [string, unknown];
    const wrong = typeof value === 'number' ? 'a string' : 12345;
    const payload = JSON.stringify({ ...samples[channel], [field]: wrong });

    expect(decodeMessage(channel, payload)).toMatchObject({ ok: false, error: { path: field } });
  });

  it('refuses a payload over the size limit before parsing it', () => {
    const huge = JSON.stringify({ ...samples.deviceTelemetry, pad: 'x'.repeat(maxPayloadBytes) });

    expect(decodeMessage('deviceTelemetry', huge)).toMatchObject({
      ok: false,
      error: { code: 'SB_ERR_PAYLOAD_TOO_LARGE' },
    });
  });

  it('refuses an uplink record that is not an aggregate kind', () => {
    const response = structuredClone(samples.pullResponse) as Record<string, unknown>;
    response.records = [{ seq: 1, at: 1, kind: 'track.path', data: { points: [] } }];

    expect(decodeMessage('pullResponse', JSON.stringify(response))).toMatchObject({
      ok: false,
      error: { path: 'records.0.kind' },
    });
  });

  it('refuses an id holding a control character', () => {
    const payload = JSON.stringify({ ...samples.deviceState, device: 'door\u00003' });

    expect(decodeMessage('deviceState', payload)).toMatchObject({
      ok: false,
      error: { path: 'device' },
    });
  });
});
