// Follows one container's log (`pods/{name}/log?follow=true&timestamps=true`) over the kubeconfig's
// own TLS and credentials. client-node's Log pipes the body and never reports a broken stream, so
// this makes the request itself: a clean end resolves, a broken connection or an error rejects.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

/** Why a log stream ended early; `status` when the server answered with an error. */
export class PodLogStreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PodLogStreamError';
  }
}

export interface PodLogTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** One line of a container's log with the kubelet's RFC3339Nano timestamp (nine fractional digits, UTC). */
export interface TimestampedLine {
  time: string;
  text: string;
}

export interface PodLogStreamOptions {
  /** Only lines at or after this time (the API's `sinceTime`, whole seconds). */
  sinceTime?: string;
  signal?: AbortSignal;
  /** How long to wait for the response headers. Default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * Streams the log until the server ends it (the container ended, or the server's own limit);
 * `onLines` gets complete lines in order and the stream waits for it (backpressure).
 */
export async function streamPodLog(
  kubeConfig: KubeConfig,
  target: PodLogTarget,
  options: PodLogStreamOptions,
  onLines: (lines: TimestampedLine[]) => Promise<void>,
): Promise<void> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new PodLogStreamError('the kubeconfig has no current cluster');
  const url = new URL(
    `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`,
    cluster.server,
  );
  url.searchParams.set('container', target.container);
  url.searchParams.set('follow', 'true');
  url.searchParams.set('timestamps', 'true');
  if (options.sinceTime) url.searchParams.set('sinceTime', options.sinceTime);
  const requestOptions: RequestOptions = { method: 'GET', headers: {} };
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const req = send(url, { ...requestOptions, signal: options.signal });
    const onAbort = () => req.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const connectTimer = setTimeout(() => {
      req.destroy();
      settle(new PodLogStreamError('the log request timed out'));
    }, options.connectTimeoutMs ?? 10_000);
    req.on('error', (error) => settle(options.signal?.aborted ? abortError() : describeNetworkError(error)));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      if (res.statusCode !== 200) {
        res.resume();
        settle(new PodLogStreamError(`the log request answered ${res.statusCode}`, res.statusCode));
        return;
      }
      res.setEncoding('utf8');
      let partial = '';
      let queue = Promise.resolve();
      res.on('data', (chunk: string) => {
        const text = partial + chunk;
        const end = text.lastIndexOf('\n');
        partial = end < 0 ? text : text.slice(end + 1);
        if (end < 0) return;
        const lines = text.slice(0, end).split('\n').map(parseLine);
        res.pause();
        queue = queue
          .then(() => onLines(lines))
          .then(
            () => {
              res.resume();
            },
            (error: Error) => {
              res.destroy();
              settle(error);
            },
          );
      });
      // `end` only after every byte arrived: the server finished the log.
      res.on('end', () => {
        const rest = partial ? [parseLine(partial)] : [];
        void queue.then(() => (rest.length ? onLines(rest) : undefined)).then(() => settle(), settle);
      });
      res.on('aborted', () => settle(new PodLogStreamError('the log stream broke')));
      res.on('error', (error) => settle(options.signal?.aborted ? abortError() : describeNetworkError(error)));
      res.on('close', () => {
        if (!res.complete) settle(options.signal?.aborted ? abortError() : new PodLogStreamError('the log stream broke'));
      });
    });
    req.end();
  });
}

/** `2026-11-26T10:00:00.123456789Z text` → its parts (a line without a timestamp keeps an empty time). */
function parseLine(line: string): TimestampedLine {
  const space = line.indexOf(' ');
  const time = space > 0 ? line.slice(0, space) : '';
  if (!/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(time)) return { time: '', text: line };
  return { time, text: line.slice(space + 1) };
}

function describeNetworkError(error: Error & { code?: string }): PodLogStreamError {
  return new PodLogStreamError(`the log stream failed: ${error.code ?? 'network error'}`);
}

function abortError(): Error {
  return Object.assign(new Error('aborted'), { name: 'AbortError' });
}
