// Preloaded into the artifacts process only when the bench runs with BENCH_UPLOAD_CPU_PROFILE=1
// (`node -r bench/package-upload/cpu-profiler.preload.cjs dist/services/artifacts/src/main.js`).
// It profiles just the window the bench asks for, over the IPC channel the bench opened:
//   { profile: 'start' }            -> starts V8's sampling profiler, answers { profile: 'started' }
//   { profile: 'stop', path: FILE } -> writes a .cpuprofile (Chrome DevTools format) to FILE, answers { profile: 'stopped' }
// `node --cpu-prof` would not do: it writes on exit, and Nest's shutdown hook ends the process
// by re-raising SIGTERM, which skips that. The service's own code is untouched.
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

if (process.send) {
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  process.on('message', (message) => {
    if (!message || typeof message.profile !== 'string') return;
    const work =
      message.profile === 'start'
        ? post('Profiler.enable')
            .then(() => post('Profiler.setSamplingInterval', { interval: 500 }))
            .then(() => post('Profiler.start'))
            .then(() => 'started')
        : post('Profiler.stop').then(({ profile }) => {
            writeFileSync(message.path, JSON.stringify(profile));
            return 'stopped';
          });
    work.then(
      (state) => process.send({ profile: state }),
      (error) => process.send({ profile: 'failed', error: String(error) }),
    );
  });
  // The channel must not keep the service alive on its own.
  process.channel?.unref();
}
