// Per-pod log lines the test writes, served like the kubelet serves `pods/{name}/log`.

export interface PodLogLine {
  time: Date;
  text: string;
}

export interface PodLogQuery {
  sinceTime?: Date;
  tailLines?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

interface Follower {
  query: PodLogQuery;
  write: (chunk: string) => void;
  end: () => void;
}

/** The kubelet's RFC3339NanoFixed: always nine fractional digits, UTC. */
export function formatKubeletTimestamp(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function render(line: PodLogLine, timestamps: boolean | undefined): string {
  return (timestamps ? `${formatKubeletTimestamp(line.time)} ` : '') + line.text + '\n';
}

export class PodLogBuffer {
  readonly lines: PodLogLine[] = [];
  private ended = false;
  private readonly followers = new Set<Follower>();

  get isEnded(): boolean {
    return this.ended;
  }

  append(text: string, time = new Date()): void {
    if (this.ended) throw new Error('the log was already ended');
    for (const part of text.replace(/\n$/, '').split('\n')) {
      const line = { time, text: part };
      this.lines.push(line);
      for (const f of this.followers) {
        if (!f.query.sinceTime || line.time >= f.query.sinceTime) f.write(render(line, f.query.timestamps));
      }
    }
  }

  end(): void {
    this.ended = true;
    for (const f of [...this.followers]) f.end();
    this.followers.clear();
  }

  read(query: PodLogQuery): string {
    let selected = this.lines.filter((l) => !query.sinceTime || l.time >= query.sinceTime);
    if (query.tailLines !== undefined) selected = query.tailLines === 0 ? [] : selected.slice(-query.tailLines);
    const text = selected.map((l) => render(l, query.timestamps)).join('');
    return query.limitBytes !== undefined ? Buffer.from(text).subarray(0, query.limitBytes).toString() : text;
  }

  /** Sends what is there, then every new line until `end()`; returns a cancel function. */
  follow(query: PodLogQuery, write: (chunk: string) => void, end: () => void): () => void {
    const initial = this.read({ ...query, limitBytes: undefined });
    if (initial) write(initial);
    if (this.ended) {
      end();
      return () => undefined;
    }
    const follower: Follower = { query, write, end };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }
}
