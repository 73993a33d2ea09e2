// Test-only entry (`@stagecraft/config/testing`): what egress specs listen with. Production code never imports this.
export * from './counting-listener';
