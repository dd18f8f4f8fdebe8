import { type PullResponse, streamOfKind } from '../../protocol/index.ts';
import type { GatewayIdentity } from '../fleet/index.ts';

export interface Problem {
  path: string;
  reason: string;
}

/**
 * Why a decoded answer cannot be stored, beyond its schema: it speaks for another gateway,
 * carries a record of another stream, or claims a last seq below a record it carries.
 * Hot path: returns the problem, or null when the answer may be stored.
 */
export function responseProblem(
  response: PullResponse,
  publisher: GatewayIdentity,
): Problem | null {
  if (response.gateway !== publisher.gateway)
    return { path: 'gateway', reason: 'not the publisher' };

  let highest = 0;
  for (const [index, record] of response.records.entries()) {
    if (streamOfKind[record.kind] !== response.stream) {
      return { path: `records.${index}.kind`, reason: `not in stream ${response.stream}` };
    }
    highest = Math.max(highest, record.seq);
  }
  if (response.lastSeq < highest) return { path: 'lastSeq', reason: 'below a record it carries' };

  return null;
}
