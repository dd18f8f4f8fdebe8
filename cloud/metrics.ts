import { Counter, Gauge, metric, type Registry } from '../core/index.ts';

/** Every figure the cloud serves on /metrics, created once per registry. */
export function cloudMetrics(registry: Registry) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    metric(registry, name, (registers) => new Counter({ name, help, labelNames, registers }));
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    metric(registry, name, (registers) => new Gauge({ name, help, labelNames, registers }));

  return {
    messages: counter('sb_cloud_broker_messages_total', 'Messages through the cloud broker', [
      'direction',
    ]),
    brokerRefusals: counter('sb_cloud_broker_refusals_total', 'Connects and topics refused', [
      'reason',
    ]),
    enrolments: counter('sb_cloud_enrolments_total', 'Enrolment attempts by result', ['result']),
    loginsFailed: counter('sb_cloud_logins_failed_total', 'HQ logins refused'),
    recordsIngested: counter('sb_cloud_records_ingested_total', 'Records stored from pulls', [
      'stream',
    ]),
    pulls: counter('sb_cloud_pulls_total', 'Pull requests and their outcomes', ['outcome']),
    pullLag: gauge('sb_cloud_pull_lag_records', 'Records a gateway holds past the cursor', [
      'gateway',
      'stream',
    ]),
    leases: gauge('sb_cloud_pull_leases', 'Gateways whose pull this replica holds the lease of'),
    gatewayBacklog: gauge(
      'sb_cloud_gateway_backlog_records',
      'Records a gateway last reported waiting for the cloud',
      ['gateway', 'stream'],
    ),
    refused: counter('sb_cloud_messages_refused_total', 'Inbound messages refused', ['channel']),
    statuses: counter('sb_cloud_live_status_total', 'Live status messages stored'),
    alarms: counter('sb_cloud_alarms_total', 'Alarms stored', ['severity']),
  };
}

export type CloudMetrics = ReturnType<typeof cloudMetrics>;
