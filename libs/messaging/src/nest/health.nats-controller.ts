import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type HealthDto, healthSubject } from '@stagecraft/contracts';

import { PublicRpc } from './rpc-access.decorator';

/** The `<service>.health.v1` responder every service mounts; the gateway's /health asks it. */
export function healthNatsController(service: string): Type<unknown> {
  const startedAt = Date.now();

  @Controller()
  class HealthNatsController {
    @PublicRpc()
    @MessagePattern(healthSubject(service))
    health(): HealthDto {
      return { service, status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
    }
  }
  return HealthNatsController;
}
