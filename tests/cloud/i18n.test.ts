import { describe, expect, it } from 'vitest';
import { catalogues } from '../../cloud/index.ts';

describe('the HQ UI catalogues', () => {
  it('hold the same keys in English and Chinese', () => {
    expect(Object.keys(catalogues.zh).sort()).toEqual(Object.keys(catalogues.en).sort());
  });

  it('leave no string empty and keep the same placeholders in both languages', () => {
    for (const [key, english] of Object.entries(catalogues.en)) {
      const chinese = catalogues.zh[key] ?? '';
      const slots = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();

      expect(english.trim(), key).not.toBe('');
      expect(chinese.trim(), key).not.toBe('');
      expect(slots(chinese), key).toEqual(slots(english));
    }
  });
});
