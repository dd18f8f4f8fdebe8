export { type Branch, branchExists, listBranches, syncBranches } from './branches.ts';
export { type CloudBroker, type InboundMessage, startBroker } from './broker.ts';
export { createEnrolmentToken, type Enrolment, enrolGateway } from './enrolment.ts';
export { type BranchFigures, branchFigures } from './figures.ts';
export { type GatewayIdentity, listGateways } from './gateways.ts';
export {
  type GatewayStatus,
  type LiveChannel,
  readStatuses,
  startLiveChannel,
  storeStatus,
} from './live.ts';
