/**
 * The simulator's bus logins as the queue test gateway (`tests/edge/queue/harness.ts`) knows
 * them. The broker address is a placeholder each test replaces with its gateway's.
 */
export const simulatorGateway = {
  brokerUrl: 'mqtt://127.0.0.1:1',
  clients: {
    kiosk: { username: 'sim-kiosk', password: 'kiosk-pw' },
    door: { username: 'sim-door', password: 'door-pw' },
    counter: { username: 'sim-counter', password: 'counter-pw' },
  },
};
