/**
 * The first process of a sealed install's network namespace (it starts as root there, before the
 * step drops to the build user): it brings the namespace's loopback up, listens on
 * 127.0.0.1:<port> and joins every connection to the registry proxy's Unix socket outside, then
 * runs the step and ends with its exit code. The namespace has no other interface, so that port
 * is the step's only way out. Plain JavaScript for `node -e`, so it needs no file of its own.
 */
const BRIDGE_SCRIPT = `
'use strict';
const net = require('node:net');
const { execFileSync, spawn } = require('node:child_process');
const [ip, socketPath, port, ...command] = process.argv.slice(1);
execFileSync(ip, ['link', 'set', 'lo', 'up']);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => { console.error('stagecraft bridge: ' + error.message); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('node:os').constants.signals[signal] || 1) : code));
});
`;

/** Where the install finds the proxy, inside its namespace. */
export const BRIDGE_PORT = 3128;

/** `command`, run behind the bridge: `node -e <script> <ip> <socket> <port> -- command…`. */
export function bridgeCommand(options: { node: string; ip: string; socketPath: string }, command: string[]): string[] {
  return [options.node, '-e', BRIDGE_SCRIPT, options.ip, options.socketPath, String(BRIDGE_PORT), ...command];
}
