import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** One registry per process (or per in-process component in the demo), never the global one. */
export function createRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  return registry;
}

/** Process-wide figures (CPU, memory, event loop lag) on a registry that serves /metrics. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
}

/** Adds a metric to a registry, or returns the one of that name already there. */
export function metric<T extends Counter | Gauge | Histogram>(
  registry: Registry,
  name: string,
  create: (registers: Registry[]) => T,
): T {
  const existing = registry.getSingleMetric(name);
  return (existing as T | undefined) ?? create([registry]);
}
