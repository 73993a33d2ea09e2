// Stops the nats-server jest.global-setup.cjs started.
module.exports = async function stopTestNats() {
  await globalThis.__STAGECRAFT_TEST_NATS__?.stop();
};
