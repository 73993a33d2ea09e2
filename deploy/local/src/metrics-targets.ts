import { writeFileSync } from 'node:fs';

import { freePort } from './free-port';
import { type ProcessSpec, replicaName } from './supervisor';

/** One entry of a Prometheus file_sd list (`file_sd_configs`): a scrape target and its labels. */
export interface MetricsTarget {
  targets: [string];
  labels: { service: string; process: string };
}

/**
 * Gives every replica a free loopback port of its own for /metrics, /healthz and /readyz
 * (OBSERVABILITY_PORT: one port for all would clash), and writes them to `file` as a Prometheus
 * file_sd list, which a local Prometheus reads as it changes (docs/observability.md).
 */
export async function withObservabilityPorts(specs: ProcessSpec[], file: string): Promise<ProcessSpec[]> {
  const taken = new Set<number>();
  const targets: MetricsTarget[] = [];
  const assigned: ProcessSpec[] = [];
  for (const spec of specs) {
    const ports: number[] = [];
    for (let index = 0; index < spec.replicas; index += 1) {
      // The OS may hand a port out again once its probe socket closed: each must be distinct.
      let port = await freePort();
      while (taken.has(port)) port = await freePort();
      taken.add(port);
      ports.push(port);
      targets.push({ targets: [`127.0.0.1:${port}`], labels: { service: spec.name, process: replicaName(spec.name, index) } });
    }
    assigned.push({
      ...spec,
      replicaEnv: (index) => ({ ...spec.replicaEnv?.(index), OBSERVABILITY_PORT: String(ports[index]) }),
    });
  }
  writeFileSync(file, `${JSON.stringify(targets, null, 2)}\n`);
  return assigned;
}
