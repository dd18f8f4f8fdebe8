// The figures of one simulated day (bench/day.ts) and the table that sets the runs side by side.

export interface ReplicaFigures {
  name: string;
  /** User + system CPU seconds from the day's opening until every record was stored. */
  cpuSeconds: number;
  /** Peak resident memory over the process's life (VmHWM), in MiB. */
  peakRssMb: number;
  /** CPU seconds of the PostgreSQL sessions this replica held, a floor. */
  postgresCpuSeconds: number;
  /** Records this replica stored, from its own metrics. */
  records: number;
  statuses: number;
  pulls: { sent: number; stored: number; stale: number; timeout: number };
}

export interface DayFigures {
  branches: number;
  replicas: number;
  records: number;
  setupSeconds: number;
  /** Cores used at rest before the day (statuses, empty pulls); null when not measured. */
  idleCores: { replicas: number[]; postgres: number; mosquitto: number } | null;
  /** From the day's opening until every record was stored. */
  seconds: number;
  recordsPerSecond: number;
  perReplica: ReplicaFigures[];
  gatewaysCpuSeconds: number;
  gatewaysPeakRssMb: number;
  mosquittoCpuSeconds: number;
  mosquittoPeakRssMb: number;
  statusesSent: number;
  /** Records in the gateways' answers, those lost or ignored on the way included. */
  recordsSent: number;
  /** Messages Mosquitto dropped for a full client queue; NaN when it did not say. */
  droppedByBroker: number;
  checks: {
    expected: number;
    stored: number;
    ticketsIssuedExpected: number;
    ticketsIssued: number;
    exactlyOnce: boolean;
  };
  /** The 1-minute load average when the day opened and when it was stored. */
  loadAverage: number[];
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const replicaCpu = (figures: DayFigures) => sum(figures.perReplica.map((r) => r.cpuSeconds));
const peakRss = (figures: DayFigures) => Math.max(...figures.perReplica.map((r) => r.peakRssMb));
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');

const columns = [
  ['branches', 8],
  ['replicas', 8],
  ['wall s', 7],
  ['rec/s', 6],
  ['CPU s per replica', 20],
  ['µs/record', 9],
  ['peak RSS MB', 15],
  ['PG CPU s', 8],
  ['Mosquitto CPU s', 15],
  ['timeouts', 8],
  ['dropped', 7],
  ['sent÷stored', 11],
  ['once', 4],
  ['cores at rest per replica', 25],
] as const;

function row(figures: DayFigures): string[] {
  const perReplica = figures.perReplica;
  return [
    String(figures.branches),
    String(figures.replicas),
    figures.seconds.toFixed(1),
    String(figures.recordsPerSecond),
    perReplica.map((r) => r.cpuSeconds.toFixed(1)).join(' / '),
    ((replicaCpu(figures) / figures.records) * 1e6).toFixed(1),
    perReplica.map((r) => r.peakRssMb).join(' / '),
    sum(perReplica.map((r) => r.postgresCpuSeconds)).toFixed(1),
    figures.mosquittoCpuSeconds.toFixed(1),
    String(sum(perReplica.map((r) => r.pulls.timeout))),
    String(figures.droppedByBroker),
    (figures.recordsSent / figures.records).toFixed(2),
    figures.checks.exactlyOnce ? 'yes' : 'NO',
    figures.idleCores?.replicas.map((cores) => cores.toFixed(3)).join(' / ') ?? '–',
  ];
}

/**
 * A real day per replica: the compressed day's records, plus 24 hours of the fleet at rest
 * (statuses day and night, empty pulls), which the compressed day holds only minutes of.
 */
function printRealDay(figures: DayFigures) {
  const idle = figures.idleCores;
  if (!idle) return;

  const perReplica = figures.perReplica.map((replica, index) => {
    const atRest = (idle.replicas[index] ?? 0) * 86_400;
    const total = Math.round(replica.cpuSeconds + atRest).toLocaleString('en-US');
    return `${total} (${Math.round(atRest).toLocaleString('en-US')} at rest)`;
  });
  const replicas = `${figures.replicas} replica${figures.replicas === 1 ? '' : 's'}`;
  console.log(
    `${figures.branches} branches, ${replicas}: a real day ≈ ${perReplica.join(' / ')} ` +
      'CPU s per replica',
  );
}

/** The runs side by side, then 3 replicas against 1 and the largest day against the smallest. */
export function printTable(results: DayFigures[]): void {
  if (results.length === 0) return;

  console.log('');
  console.log(columns.map(([name, width]) => name.padStart(width)).join('  '));
  for (const figures of results) {
    const cells = row(figures);
    console.log(columns.map(([, width], index) => (cells[index] ?? '').padStart(width)).join('  '));
  }
  console.log('');
  for (const figures of results) printRealDay(figures);
  for (const branches of new Set(results.map((figures) => figures.branches))) {
    const one = results.find((f) => f.branches === branches && f.replicas === 1);
    const three = results.find((f) => f.branches === branches && f.replicas === 3);
    if (!one || !three) continue;

    const busiest = Math.max(...three.perReplica.map((r) => r.cpuSeconds));
    console.log(
      `${branches} branches, 3 replicas ÷ 1: wall ${ratio(three.seconds, one.seconds)}, ` +
        `CPU of all replicas ${ratio(replicaCpu(three), replicaCpu(one))}, ` +
        `busiest replica ${ratio(busiest, replicaCpu(one))}, ` +
        `largest peak RSS ${ratio(peakRss(three), peakRss(one))}`,
    );
  }
  const sizes = [...new Set(results.map((figures) => figures.branches))].sort((a, b) => a - b);
  const smallest = sizes[0] ?? 0;
  const largest = sizes.at(-1) ?? 0;
  if (largest === smallest) return;

  for (const replicas of new Set(results.map((figures) => figures.replicas))) {
    const small = results.find((f) => f.branches === smallest && f.replicas === replicas);
    const large = results.find((f) => f.branches === largest && f.replicas === replicas);
    if (!small || !large) continue;

    console.log(
      `${replicas} replica${replicas === 1 ? '' : 's'}, ${largest} ÷ ${smallest} branches ` +
        `(×${ratio(largest, smallest)}): CPU of all replicas ` +
        `${ratio(replicaCpu(large), replicaCpu(small))}, ` +
        `wall ${ratio(large.seconds, small.seconds)}, ` +
        `largest peak RSS ${ratio(peakRss(large), peakRss(small))}`,
    );
  }
}
