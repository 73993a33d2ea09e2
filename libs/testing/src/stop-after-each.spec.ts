import { stopAfterEach, stopInTurn } from './stop-after-each';

describe('stopAfterEach', () => {
  const stopped: string[] = [];

  describe('a test that starts things', () => {
    const stopLater = stopAfterEach();

    it('asks for them to be stopped, and nothing is stopped before it ends', () => {
      stopLater(() => stopped.push('first'));
      stopLater(async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stopped.push('second');
      });
      expect(stopped).toEqual([]);
    });

    it('finds them stopped, in the order asked, once each', () => {
      expect(stopped).toEqual(['first', 'second']);
    });
  });
});

describe('stopInTurn', () => {
  it('runs every stop when one throws, then throws the first error', async () => {
    const ran: string[] = [];
    const failing = stopInTurn([
      () => ran.push('a'),
      () => {
        throw new Error('first failure');
      },
      () => Promise.reject(new Error('second failure')),
      () => ran.push('d'),
    ]);
    await expect(failing).rejects.toThrow('first failure');
    expect(ran).toEqual(['a', 'd']);
  });
});
