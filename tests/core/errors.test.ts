import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toRequestError } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';

describe('a schema failure that reaches the error mapping', () => {
  it('is a 400 naming the field, not an internal error', () => {
    const failure = z.strictObject({ profile: z.strictObject({ device: Id }) }).safeParse({
      profile: { device: '' },
    });

    const error = toRequestError(failure.error);

    expect(error.code).toBe('SB_ERR_INVALID_REQUEST');
    expect(error.status).toBe(400);
    expect(error.path).toBe('profile.device');
  });

  it('quotes a long bad value cut to 40 characters', () => {
    const failure = z.strictObject({ id: Id }).safeParse({ id: 'z'.repeat(20_000) });

    const error = toRequestError(failure.error);

    expect(error.message).toContain(`id "${'z'.repeat(40)}…" is longer than 64 characters`);
    expect(error.message.length).toBeLessThan(200);
  });

  it('says a missing field is required, in plain words', () => {
    const failure = z.strictObject({ profile: z.object({}) }).safeParse({});

    expect(toRequestError(failure.error).message).toBe(
      'request fails its schema: profile: required',
    );
  });
});
