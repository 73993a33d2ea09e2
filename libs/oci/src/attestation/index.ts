export * from './attestation-publisher';
export * from './build-attestations';
export * from './dsse';
export * from './signing-key';
export * from './statements';
