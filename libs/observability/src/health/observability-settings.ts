/** Where a process serves /metrics, /healthz and /readyz (ProcessConfig has both). */
export interface ObservabilitySettings {
  /** 0: not served. */
  OBSERVABILITY_PORT: number;
  OBSERVABILITY_HOST: string;
}
