/**
 * Every built-in capability. Adding a capability is adding a folder here and one line below;
 * a test checks that every folder is registered.
 */
import type { CapabilityDefinition } from '../src/capability/types.js';
import buildwatch from './buildwatch/index.js';
import docker from './docker/index.js';
import dockerOptimize from './docker-optimize/index.js';
import gpuNvidia from './gpu-nvidia/index.js';
import native from './native/index.js';
import { nodejsCapabilities } from './nodejs/index.js';
import packages from './packages/index.js';
import { postgresqlCapabilities } from './postgresql/index.js';
import { pythonCapabilities } from './python/index.js';
import redis from './redis/index.js';

/** Runtimes first, then features; the docs list them in this order. */
export const builtinCapabilities: readonly CapabilityDefinition[] = [
  docker,
  native,
  dockerOptimize,
  gpuNvidia,
  redis,
  ...postgresqlCapabilities,
  ...pythonCapabilities,
  ...nodejsCapabilities,
  buildwatch,
  packages,
];
