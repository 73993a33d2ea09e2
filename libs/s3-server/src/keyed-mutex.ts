/**
 * Runs tasks one at a time per key, in the order they asked; tasks on different keys run side by
 * side. In-process only: one server owns its directory.
 */
export class KeyedMutex {
  /** The promise the next task on a key waits for; absent when nothing holds or awaits the key. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
