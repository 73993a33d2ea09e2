import { connect } from 'nats';

import { connectTestNats, testNatsUrl } from '../src';

describe('the test run nats-server', () => {
  it('refuses anonymous clients', async () => {
    await expect(connect({ servers: testNatsUrl(), reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it('accepts a process with its own key', async () => {
    const connection = await connectTestNats('gateway');
    try {
      expect(connection.info?.server_name).toBeDefined();
    } finally {
      await connection.close();
    }
  });
});
