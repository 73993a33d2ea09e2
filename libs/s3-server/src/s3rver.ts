/* eslint-disable @typescript-eslint/no-require-imports -- s3rver is CommonJS without types */
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

// The parts of s3rver 3.7.1 (pinned in package-lock.json) this library relies on. They are
// internals, not its documented API: a version bump must be checked against them.

/** lib/models/object.js: what the store is given to write and returns when read. */
export interface S3rverObject {
  bucket: string;
  key: string;
  /**
   * PutObject: the request itself (an http.IncomingMessage); POST form: a Buffer or a stream;
   * multipart completion: a stream of the concatenated parts; read: a file stream.
   */
  content: Readable | Buffer | null;
  /** Only the headers S3Object allows (content-*, x-amz-meta-*, …); GET and HEAD send each one back. */
  metadata: Record<string, string | number>;
  /** Set on a read when the request named a byte range. */
  range?: { start: number; end: number };
}

/** lib/stores/filesystem.js: an object is `<name>._S3rver_object` beside `<name>._S3rver_<resource>` files. */
export interface S3rverFilesystemStore {
  readonly rootDirectory: string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: S3rverObject['metadata'], md5?: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, unknown> | null,
  ): Promise<Record<string, unknown>>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

export interface S3rverServer {
  /** The controllers use `context.store`, the server itself `store`: a replacement goes in both. */
  store: S3rverFilesystemStore;
  context: { store: S3rverFilesystemStore };
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** lib/models/error.js: thrown from a store, it becomes S3's XML error with the status of its code. */
export interface S3rverError extends Error {
  code: string;
  status: number;
}

export const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
}) => S3rverServer;

export const FilesystemStore = require('s3rver/lib/stores/filesystem') as new (rootDirectory: string) => S3rverFilesystemStore;

export const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, string>,
) => S3rverError;
