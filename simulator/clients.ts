import type { BusClient } from '../edge/bus/index.ts';
import { topicFilter } from '../protocol/index.ts';
import type { SimulatorConfig } from './config.ts';

/**
 * The gateway's bus entries for the simulator's three clients, each allowed exactly the
 * topics it uses: the kiosk issues and hears its replies, the door reports, the counters
 * command their own counters, redeem coupons there and hear their replies. Passwords are the config's as given
 * (plain text suits a demo; a deployment hashes them with `smartbranch hash-password`).
 */
export function simulatorBusClients(branch: string, config: SimulatorConfig): BusClient[] {
  const { clients } = config.gateway;
  const { devices } = config;

  return [
    {
      ...clients.kiosk,
      publish: [
        topicFilter('queueIssue', { branch }),
        topicFilter('deviceState', { branch, device: devices.kiosk }),
      ],
      subscribe: [topicFilter('reply', { branch, client: devices.kiosk })],
    },
    {
      ...clients.door,
      publish: [
        topicFilter('deviceTelemetry', { branch, device: devices.door }),
        topicFilter('deviceState', { branch, device: devices.door }),
      ],
      subscribe: [],
    },
    {
      ...clients.counter,
      publish: config.counters.flatMap((counter) => [
        topicFilter('queueCounterCommand', { branch, counter: counter.id }),
        topicFilter('counterRedeem', { branch, counter: counter.id }),
      ]),
      subscribe: [topicFilter('reply', { branch, client: devices.counters })],
    },
  ];
}
