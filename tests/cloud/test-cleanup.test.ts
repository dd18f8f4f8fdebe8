import { describe, expect, it } from 'vitest';
import { cleanupAfter } from './support.ts';

const done: string[] = [];

// Regression test "store-cleanup-inside-a-test": helpers that open a store inside a test
// registered `afterAll` there, which never ran, so every store and schema leaked.
describe('cleanup registered by a helper', () => {
  it('registered inside a test', () => {
    cleanupAfter(() => done.push('first test'));
    expect(done).toEqual([]);
  });

  it('has run by the next test', () => {
    expect(done).toEqual(['first test']);
  });
});
