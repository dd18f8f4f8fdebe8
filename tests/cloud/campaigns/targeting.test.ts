import { describe, expect, it } from 'vitest';
import { selectBranches, type TargetBranch } from '../../../cloud/campaigns/index.ts';

// A fixture of 12 branches; every expectation below was counted by hand from this table.
const fixture: TargetBranch[] = [
  { id: 'sh-01', region: 'east', tags: ['mall', 'flagship'], theme: 'shopping-mall' },
  { id: 'sh-02', region: 'east', tags: ['mall'], theme: 'special-offer-life' },
  { id: 'sh-03', region: 'east', tags: [], theme: 'community' },
  { id: 'sz-01', region: 'south', tags: ['mall'], theme: 'shopping-mall' },
  { id: 'sz-02', region: 'south', tags: ['university'], theme: 'community' },
  { id: 'sz-03', region: 'south', tags: [], theme: null },
  { id: 'bj-01', region: 'north', tags: ['flagship'], theme: 'car-life' },
  { id: 'bj-02', region: 'north', tags: ['mall'], theme: 'health' },
  { id: 'cd-01', region: 'west', tags: [], theme: 'home' },
  { id: 'cd-02', region: 'west', tags: ['university', 'mall'], theme: 'community' },
  { id: 'xx-01', region: null, tags: ['mall'], theme: 'shopping-mall' },
  { id: 'xx-02', region: null, tags: [], theme: null },
];

const catchment = async (ids: readonly string[]) =>
  new Map(
    ids.map((id, index) => [id, id === 'xx-02' ? {} : { population3km: 10_000 * (index + 1) }]),
  );

describe('branch selection', () => {
  it('picks by region, tag, theme and list exactly as a hand count of the fixture', async () => {
    expect(await selectBranches({ regions: ['east'] }, fixture)).toEqual([
      'sh-01',
      'sh-02',
      'sh-03',
    ]);
    expect(await selectBranches({ tags: ['mall'] }, fixture)).toEqual([
      'sh-01',
      'sh-02',
      'sz-01',
      'bj-02',
      'cd-02',
      'xx-01',
    ]);
    expect(await selectBranches({ themes: ['community'] }, fixture)).toEqual([
      'sh-03',
      'sz-02',
      'cd-02',
    ]);
    expect(await selectBranches({ branches: ['bj-01', 'nowhere'] }, fixture)).toEqual(['bj-01']);
  });

  it('combines criteria with AND and values of one criterion with OR', async () => {
    const picked = await selectBranches(
      { regions: ['east', 'south'], tags: ['mall', 'university'] },
      fixture,
    );

    expect(picked).toEqual(['sh-01', 'sh-02', 'sz-01', 'sz-02']);
  });

  it('filters on catchment attributes, and selects none without a catchment source', async () => {
    const picked = await selectBranches(
      { tags: ['mall'], catchment: [{ attribute: 'population3km', min: 30_000, max: 50_000 }] },
      fixture,
      catchment,
    );
    const blind = await selectBranches(
      { catchment: [{ attribute: 'population3km', min: 0 }] },
      fixture,
    );

    // Among the six mall branches, in order, population is 10k, 20k, 30k, 40k, 50k, 60k.
    expect(picked).toEqual(['sz-01', 'bj-02', 'cd-02']);
    expect(blind).toEqual([]);
  });
});
