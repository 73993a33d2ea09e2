export interface HealthDto {
  service: string;
  status: 'ok';
  uptimeSeconds: number;
}

/** Every service answers `<service>.health.v1`. */
export function healthSubject(service: string): string {
  return `${service}.health.v1`;
}
