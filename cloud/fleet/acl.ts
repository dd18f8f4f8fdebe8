import { encodeId, topicRoot } from '../../protocol/index.ts';
import type { GatewayIdentity } from './gateways.ts';

/**
 * A gateway may touch only its own branch's topics. The first three levels of a topic or
 * filter must be exactly `sb/v1/{branch}`: with no wildcard there, whatever follows can only
 * match inside that branch [MQTT-4.7.1]. Hot path: returns the reason, or null when allowed.
 */
export function topicProblem(identity: GatewayIdentity, topicOrFilter: string): string | null {
  const levels = topicOrFilter.split('/');
  const root = topicRoot.split('/');
  const expected = [...root, encodeId(identity.branch)];
  const within = expected.every((level, index) => levels[index] === level);
  if (!within || levels.length <= expected.length) {
    return `${identity.gateway} may use only ${expected.join('/')}/...`;
  }

  return null;
}
