// Node-RED requires node files as CommonJS; the nodes themselves live in ../nodes-in.ts and
// ../nodes-out.ts, handed over by the gateway through Node-RED's settings.
module.exports = function smartbranch(RED) {
  const door = RED.settings.smartbranch;
  if (!door || typeof door.register !== 'function') {
    throw new Error('SmartBranch nodes run only inside the SmartBranch gateway');
  }
  door.register(RED);
};
