/** Delays between retries: doubling from `firstMs` up to `maxMs`, back to the start on success. */
export interface Backoff {
  next(): number;
  reset(): void;
}

export function backoff(firstMs = 1000, maxMs = 60_000): Backoff {
  let attempt = 0;
  return {
    next: () => Math.min(maxMs, firstMs * 2 ** attempt++),
    reset: () => {
      attempt = 0;
    },
  };
}
