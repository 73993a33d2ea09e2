import { useEffect, useRef, useState } from 'react';
import { useSubscription } from 'urql';

import { RECONNECTED_EVENT } from '../api/client';
import { graphql } from '../graphql';

const BuildLogSubscription = graphql(`
  subscription BuildLog($buildId: ID!, $offset: Float!) {
    buildLog(buildId: $buildId, offset: $offset) {
      offset
      nextOffset
      text
      complete
    }
  }
`);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The build's log as lines, live. After a reconnect the log is followed again from the last
 * offset read; graphql-ws also replays its own subscription from the first offset until that one
 * replaces it, and whatever was read already is skipped by byte offset, so no line shows twice.
 */
export function useBuildLog(buildId: string): { lines: string[]; complete: boolean } {
  const readUpTo = useRef(0);
  const partial = useRef('');
  const [lines, setLines] = useState<string[]>([]);
  const [complete, setComplete] = useState(false);
  const [resumeFrom, setResumeFrom] = useState(0);
  useEffect(() => {
    readUpTo.current = 0;
    partial.current = '';
    setLines([]);
    setComplete(false);
    setResumeFrom(0);
  }, [buildId]);
  useEffect(() => {
    const resume = () => setResumeFrom(readUpTo.current);
    window.addEventListener(RECONNECTED_EVENT, resume);
    return () => window.removeEventListener(RECONNECTED_EVENT, resume);
  }, []);

  const [{ data }] = useSubscription({ query: BuildLogSubscription, variables: { buildId, offset: resumeFrom } });
  useEffect(() => {
    const chunk = data?.buildLog;
    if (!chunk) return;
    if (chunk.complete) setComplete(true);
    if (chunk.nextOffset <= readUpTo.current) return;
    let text = chunk.text;
    if (chunk.offset < readUpTo.current) text = decoder.decode(encoder.encode(text).subarray(readUpTo.current - chunk.offset));
    readUpTo.current = chunk.nextOffset;
    const pieces = (partial.current + text).split('\n');
    partial.current = pieces.pop() ?? '';
    setLines((current) => (pieces.length > 0 ? current.concat(pieces) : current));
  }, [data]);
  return { lines: complete && partial.current ? lines.concat(partial.current) : lines, complete };
}
