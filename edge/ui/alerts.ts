export interface Alert {
  at: number;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  message: string;
  /** Where it came from, e.g. the flow node that raised it. */
  node: string;
}

const kept = 50;

/** The alerts shown on the overview, newest first; flows raise them. */
export function alertBoard() {
  const alerts: Alert[] = [];
  return {
    raise: (alert: Alert) => {
      alerts.unshift(alert);
      alerts.splice(kept);
    },
    list: (): Alert[] => alerts.slice(),
  };
}

export type AlertBoard = ReturnType<typeof alertBoard>;
