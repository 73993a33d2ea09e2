import { Controller, Get, Res } from '@nestjs/common';
import { healthSubject, type Subject } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import type { Response } from 'express';

import { GatewayConfig } from '../config';

export interface ServiceHealth {
  status: 'ok' | 'unavailable';
  detail?: string;
  uptimeSeconds?: number;
}

/** GET /health: NATS and every service, 200 when all answer, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly client: NatsRpcClient,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  async health(@Res() response: Response): Promise<void> {
    const nats = this.client.connection.isClosed() ? 'closed' : 'connected';
    const names = this.config.SERVICES.split(',');
    const services: Record<string, ServiceHealth> = Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await this.ask(name)] as const)),
    );
    const healthy = nats === 'connected' && Object.values(services).every((s) => s.status === 'ok');
    response.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', nats, services });
  }

  private ask(service: string): Promise<ServiceHealth> {
    return serviceHealth(this.client, service);
  }
}

/** Whether `service` answers its health subject (one replica of it, the queue group's choice). */
export async function serviceHealth(client: NatsRpcClient, service: string): Promise<ServiceHealth> {
  try {
    // healthSubject(service) is one of the typed subjects for every real service name.
    const answer = await client.send(healthSubject(service) as Subject & `${string}.health.v1`, {});
    return { status: 'ok', uptimeSeconds: (answer as { uptimeSeconds: number }).uptimeSeconds };
  } catch (error) {
    return { status: 'unavailable', detail: error instanceof Error ? error.message : 'no answer' };
  }
}
