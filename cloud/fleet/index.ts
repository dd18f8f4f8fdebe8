export { type Branch, branchExists, listBranches, syncBranches } from './branches.ts';
export { type CloudBroker, type InboundMessage, startBroker } from './broker.ts';
export {
  CommandInput,
  type CommandState,
  type CommandView,
  expireCommands,
  getCommand,
  PushProfileInput,
  recordAck,
  sendCommand,
} from './commands.ts';
export { createEnrolmentToken, type Enrolment, enrolGateway } from './enrolment.ts';
export { connectExternalBroker } from './external-broker.ts';
export { type BranchFigures, branchFigures } from './figures.ts';
export { authenticateGateway, type GatewayIdentity, listGateways } from './gateways.ts';
export { type GatewayHealth, gatewayHealth } from './health.ts';
export {
  type GatewayStatus,
  type LiveChannel,
  readStatuses,
  startLiveChannel,
  storeStatus,
} from './live.ts';
export {
  branchModules,
  defaultModules,
  everyBranchModules,
  ModulesInput,
  modulesFollowed,
  setModules,
} from './modules.ts';
export { type FleetOperations, startFleetOperations } from './operations.ts';
export { branchProfile, ProfileInput, saveProfile } from './profiles.ts';
