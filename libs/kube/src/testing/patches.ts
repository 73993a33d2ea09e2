// JSON Patch (RFC 6902, client-node's default patch content type) and JSON Merge Patch (RFC 7386,
// which the fake also uses for strategic-merge patches: close enough for the maps and scalars
// Stagecraft patches, but lists are replaced instead of merged by key).

import { jsonEqual } from '../json-equal';

export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function containerOf(doc: Json, tokens: string[], pointer: string): { parent: Json[] | Record<string, Json>; key: string } {
  let current: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isObject(current)) current = current[token];
    else current = undefined as unknown as Json;
    if (current === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  if (!Array.isArray(current) && !isObject(current)) throw new PatchError(`path "${pointer}" does not exist`);
  return { parent: current, key: tokens[tokens.length - 1] };
}

function arrayIndex(arr: Json[], key: string, pointer: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  const index = Number(key);
  const max = forInsert ? arr.length : arr.length - 1;
  if (!/^(0|[1-9][0-9]*)$/.test(key) || index > max) throw new PatchError(`array index out of range in "${pointer}"`);
  return index;
}

function getAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = containerOf(doc, tokens, pointer);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, pointer, false)] : parent[key];
  if (value === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  return value;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = containerOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!(key in parent)) throw new PatchError(`path "${pointer}" does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function addAt(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = containerOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (replace) parent[arrayIndex(parent, key, pointer, false)] = value;
    else parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  } else {
    if (replace && !(key in parent)) throw new PatchError(`path "${pointer}" does not exist`);
    parent[key] = value;
  }
  return doc;
}

export function applyJsonPatch(target: unknown, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target) as Json;
  for (const raw of operations as Operation[]) {
    if (!isObject(raw) || typeof raw.path !== 'string') throw new PatchError('each operation needs "op" and "path"');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, structuredClone(raw.value as Json), false);
        break;
      case 'replace':
        doc = addAt(doc, raw.path, structuredClone(raw.value as Json), true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const value = removeAt(doc, String(raw.from));
        doc = addAt(doc, raw.path, value, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, structuredClone(getAt(doc, String(raw.from))), false);
        break;
      case 'test':
        if (!jsonEqual(getAt(doc, raw.path), raw.value)) {
          throw new PatchError(`testing value ${raw.path} failed`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation "${String(raw.op)}"`);
    }
  }
  return doc;
}
