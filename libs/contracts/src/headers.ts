/** NATS headers that travel with every request. */
export const Headers = {
  correlationId: 'x-correlation-id',
  authorization: 'authorization',
} as const;
