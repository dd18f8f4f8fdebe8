import type { NodeDoor, Red } from './node-api.ts';
import { registerInNodes } from './nodes-in.ts';
import { registerOutNodes } from './nodes-out.ts';

export type { FlowAlert, NodeDoor } from './node-api.ts';

/**
 * What nodes/smartbranch.js finds in Node-RED's settings: the SmartBranch node types,
 * implemented here in TypeScript against the gateway's bus and the protocol schemas.
 */
export function smartbranchNodes(door: NodeDoor) {
  return {
    register(red: Red) {
      registerInNodes(red, door);
      registerOutNodes(red, door);
      red.httpAdmin.get(
        '/smartbranch/devices',
        red.auth.needsPermission('flows.read'),
        (_req, res) => void res.json(door.deviceIds()),
      );
    },
  };
}
