import { describe, expect, it } from 'vitest';
import { anonymousAges, anonymousGenders } from '../../../edge/sensing/index.ts';

const verdict = (gender: 'male' | 'female' | 'unknown') => ({
  track: 1,
  gender,
  ageBand: 'unknown' as const,
  confidence: 0.5,
  views: 1,
});

describe('k-anonymous age bands (k = 5)', () => {
  it('keeps every band that holds k people or more as it is', () => {
    expect(anonymousAges({ '25-34': 5, '35-44': 9 }, 5)).toEqual({
      ages: [
        { from: '25-34', to: '25-34', people: 5 },
        { from: '35-44', to: '35-44', people: 9 },
      ],
      suppressed: 0,
    });
  });

  it('merges a band under k into its smaller neighbour band', () => {
    const result = anonymousAges({ '18-24': 7, '25-34': 2, '35-44': 6 }, 5);
    expect(result).toEqual({
      ages: [
        { from: '18-24', to: '18-24', people: 7 },
        { from: '25-34', to: '35-44', people: 8 },
      ],
      suppressed: 0,
    });
  });

  it('merges again while a merged range is still under k', () => {
    const result = anonymousAges({ '25-34': 1, '35-44': 1, '65+': 20 }, 5);
    expect(result).toEqual({ ages: [{ from: '25-34', to: '65+', people: 22 }], suppressed: 0 });
  });

  it('suppresses everything when fewer than k people were seen in all', () => {
    expect(anonymousAges({ '25-34': 2, '45-54': 2 }, 5)).toEqual({ ages: [], suppressed: 4 });
  });

  it('gives an empty histogram for nobody', () => {
    expect(anonymousAges({}, 5)).toEqual({ ages: [], suppressed: 0 });
  });
});

describe('k-anonymous genders (k = 5)', () => {
  it('shows male and female when both hold k people or none', () => {
    const people = [...Array(6)].map(() => verdict('male'));
    expect(anonymousGenders([...people, verdict('unknown')], 5)).toEqual({
      genders: { male: 6, female: 0, unknown: 1 },
      suppressed: 0,
    });
  });

  it('suppresses male and female together when one is under k, so neither can be subtracted', () => {
    const people = [...[...Array(7)].map(() => verdict('male')), verdict('female')];
    expect(anonymousGenders([...people, verdict('unknown')], 5)).toEqual({
      genders: { male: 0, female: 0, unknown: 1 },
      suppressed: 8,
    });
  });
});
