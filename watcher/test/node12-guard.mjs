// Preloaded before the bundle in the compatibility test: removes the globals and module
// functions that Ubuntu 22.04's Node 12 does not have, so using one fails loudly here.

import crypto from 'node:crypto';
import events from 'node:events';
import fs from 'node:fs';
// Node 24 builds node:http's ES module facade by reading every export, and its lazy WebSocket
// getter loads undici, which needs Blob: build the facades now, before the globals go.
import 'node:http';
import 'node:https';
import util from 'node:util';

for (const name of [
  'fetch',
  'AbortController',
  'AbortSignal',
  'structuredClone',
  'Blob',
  'BroadcastChannel',
  'WeakRef',
  'FinalizationRegistry',
  'AggregateError',
  'Headers',
  'Request',
  'Response',
  'FormData',
  'EventTarget',
  'Event',
  'MessageChannel',
  'performance',
]) {
  delete globalThis[name];
}
delete Array.prototype.at;
delete Array.prototype.findLast;
delete Array.prototype.findLastIndex;
delete String.prototype.at;
delete String.prototype.replaceAll;
delete Object.hasOwn;
delete Promise.any;
delete fs.rm;
delete fs.rmSync;
delete fs.promises.rm;
delete util.parseArgs;
delete events.on;
delete crypto.randomUUID;
