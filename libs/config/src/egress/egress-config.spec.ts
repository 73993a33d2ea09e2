import { IsBoolean } from 'class-validator';

import { ConfigError, loadConfig } from '../load-config';
import { IsEgressCidrList } from './egress-config';
import { EgressPolicy } from './egress-policy';

class ServiceConfig {
  @IsEgressCidrList() EGRESS_ALLOWED_CIDRS = '';
  @IsBoolean() EGRESS_ALLOW_PROXY = false;
}

describe('EGRESS_ALLOWED_CIDRS in a config class', () => {
  it('accepts CIDR lists and makes the policy they describe', () => {
    const config = loadConfig(ServiceConfig, { EGRESS_ALLOWED_CIDRS: '127.0.0.1/32, 10.20.0.0/16', EGRESS_ALLOW_PROXY: 'true' });
    const policy = EgressPolicy.fromConfig(config);
    expect(policy.allowProxy).toBe(true);
    expect(policy.check('10.20.3.4')).toEqual({ allowed: true });
    expect(policy.check('10.21.3.4')).toEqual({ allowed: false, why: '10.21.3.4 is private' });
    expect(EgressPolicy.fromConfig(loadConfig(ServiceConfig, {})).check('127.0.0.1')).toEqual({
      allowed: false,
      why: '127.0.0.1 is loopback',
    });
  });

  it.each(['10.0.0.0/33', 'localhost', '10.0.0.0/8,,', 'any'])('stops the start on %p, naming the variable', (value) => {
    let error: ConfigError | undefined;
    try {
      loadConfig(ServiceConfig, { EGRESS_ALLOWED_CIDRS: value });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems).toEqual(['EGRESS_ALLOWED_CIDRS: fails isEgressCidrList']);
  });
});
