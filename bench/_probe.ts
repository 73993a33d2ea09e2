import { allows, buildAbility, compilePolicies } from '@stagecraft/authz';
import { generateChecks, generatePolicySet } from './support/policy-set.generator';
for (const n of [10, 100, 1000]) {
  const set = generatePolicySet({ statements: n, projects: 20, seed: n });
  const rules = compilePolicies(set.grants, false);
  const ability = buildAbility(rules);
  const checks = generateChecks(set, 4096, 7);
  let ok = 0;
  for (let r = 0; r < 50000; r++) { const c = checks[r & 4095]; if (allows(ability, c.action, c.projectId)) ok++; }
  // single timings
  const single: number[] = [];
  for (let r = 0; r < 100000; r++) { const c = checks[r & 4095]; const t0 = process.hrtime.bigint(); if (allows(ability, c.action, c.projectId)) ok++; single.push(Number(process.hrtime.bigint() - t0)); }
  const empty: number[] = [];
  for (let r = 0; r < 100000; r++) { const t0 = process.hrtime.bigint(); empty.push(Number(process.hrtime.bigint() - t0)); }
  single.sort((a,b)=>a-b); empty.sort((a,b)=>a-b);
  console.log(n, 'grants', set.grants.length, 'rules', rules.length, 'single p50', single[50000], 'p99', single[99000], 'empty p50', empty[50000], 'p99', empty[99000], 'allowed', ok);
}
