/**
 * Whether a Node.js version satisfies an `engines.node` range such as
 * `>=20.19 <21 || >=24 <25`: alternatives joined by `||`, each a list of comparators.
 * Only the forms SmartBranch's own package.json uses are understood; anything else fails.
 */
export function satisfiesEngines(range: string, version: string): boolean {
  const have = parts(version.replace(/^v/, ''));
  if (!have || !range.trim()) return false;

  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    return comparators.length > 0 && comparators.every((comparator) => holds(comparator, have));
  });
}

function parts(text: string): [number, number, number] | null {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (!match) return null;

  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let index = 0; index < 3; index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function holds(comparator: string, have: [number, number, number]): boolean {
  const match = /^(>=|<=|>|<|=)?v?(\d.*)$/.exec(comparator);
  const want = match ? parts(match[2] ?? '') : null;
  if (!match || !want) return false;

  const order = compare(have, want);
  switch (match[1]) {
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    default:
      return order === 0;
  }
}
