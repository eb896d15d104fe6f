/**
 * Semantic rules: what the JSON Schema cannot say. They read the raw (not yet normalised)
 * document defensively, because they run even when the schema found problems, so that every
 * error is reported in one go.
 */

import { checkLifetime } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';
import { childPath } from './parse.js';
import type { Diagnostic } from './types.js';

type Raw = Record<string, unknown>;

export interface RuleOptions {
  readonly knownCapabilities: ReadonlySet<string>;
  readonly capabilityAliases?: ReadonlyMap<string, string>;
}

/** Linode GPU plans: `g1-gpu-rtx6000-1`, `g2-gpu-rtx4000a1-s`, … (the original tool tested `g6-`, backwards). */
export const GPU_PLAN_PATTERN = /^g[12]-gpu-/;
export const EXAMPLE_GPU_PLANS = ['g2-gpu-rtx4000a1-s', 'g2-gpu-rtx4000a4-m', 'g1-gpu-rtx6000-1'] as const;

export function isGpuPlan(type: string): boolean {
  return GPU_PLAN_PATTERN.test(type);
}

/**
 * The error for a GPU template on a non-GPU plan. Exported so that `plan`/`deploy` apply the
 * same rule to the plan actually chosen (`--type` overrides type_default).
 */
export function gpuPlanProblem(type: string, path = 'deploy.linode.type_default'): Diagnostic | undefined {
  if (isGpuPlan(type)) return undefined;
  return {
    severity: 'error',
    path,
    message: `the gpu-nvidia feature needs a GPU plan, but '${type}' has no GPU`,
    hint: `Use a Linode GPU plan (g1-gpu-* or g2-gpu-*), e.g. ${EXAMPLE_GPU_PLANS.join(', ')}.`,
  };
}

/** Semantic Versioning 2.0.0, as published at semver.org. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The most replicas one deployment may have (also the schema's maximum). */
export const MAX_REPLICAS = 20;

/**
 * Why a deployment cannot have more than one replica, or undefined. The NodeBalancer needs a
 * published port to balance and an HTTP path to check each backend's health, and rolling
 * updates go through the container's in-place update: so a docker container with an http
 * health check. Shared by the template rules and `--replicas`.
 */
export function replicasProblem(shape: {
  readonly runtime: string;
  readonly hasContainer: boolean;
  readonly healthType: string | undefined;
}): { readonly message: string; readonly hint: string } | undefined {
  if (shape.runtime !== 'docker' || !shape.hasContainer) {
    return {
      message: 'more than one replica needs runtime docker with deploy.linode.container',
      hint: "The NodeBalancer balances the container's published port; use replicas: 1 for a native app.",
    };
  }
  if (shape.healthType !== 'http') {
    return {
      message: 'more than one replica needs an http health check (deploy.linode.container.health, type http)',
      hint: 'The NodeBalancer checks each backend on that path and only sends traffic to healthy ones; add health: {type: http, path: /health}.',
    };
  }
  return undefined;
}

export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Raw {
  return isRecord(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The name of a feature entry (a string or `{name}`), if it has one. */
export function featureName(entry: unknown): string | undefined {
  return typeof entry === 'string' ? entry : text(record(entry).name);
}

export function checkRules(raw: Raw, options: RuleOptions): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const error = (path: string, message: string, hint: string) =>
    diagnostics.push({ severity: 'error', path, message, hint });
  const warning = (path: string, message: string, hint: string) =>
    diagnostics.push({ severity: 'warning', path, message, hint });

  const version = text(raw.version);
  if (version !== undefined && !isSemver(version)) {
    error(
      'version',
      `version ${JSON.stringify(version)} is not a semantic version`,
      'Use MAJOR.MINOR.PATCH, e.g. "1.0.0".',
    );
  }

  // The same rule as `deploy --ttl` (util/duration.ts): the schema's pattern is only its grammar.
  const lifetimeObject = record(raw.lifetime);
  for (const [path, value] of [
    ['lifetime', text(raw.lifetime)],
    ['lifetime.ttl', text(lifetimeObject.ttl)],
    ['lifetime.idle', text(lifetimeObject.idle)],
  ] as const) {
    if (value === undefined) continue;
    const checked = checkLifetime(value);
    if ('problem' in checked) error(path, `${path} '${value}' ${checked.problem}`, checked.hint);
  }

  const capabilities = record(raw.capabilities);
  const runtime = capabilities.runtime ?? 'docker';
  if (runtime === 'k3s') {
    error(
      'capabilities.runtime',
      "runtime 'k3s' is not supported yet",
      'Use runtime: docker (linode-build refuses k3s rather than deploy it half-working).',
    );
  }
  const features = checkFeatures(capabilities, options, error, warning);

  const linode = record(record(raw.deploy).linode);
  const container = isRecord(linode.container) ? linode.container : undefined;
  const type = text(linode.type_default);
  if (features.has('gpu-nvidia')) {
    if (type !== undefined) {
      const problem = gpuPlanProblem(type);
      if (problem) diagnostics.push(problem);
    }
    const image = text(linode.image) ?? 'linode/ubuntu24.04';
    if (!image.startsWith('linode/ubuntu')) {
      warning(
        'deploy.linode.image',
        `the gpu-nvidia feature is tested on Ubuntu images, not '${image}'`,
        'Use linode/ubuntu22.04, linode/ubuntu24.04 or linode/ubuntu26.04.',
      );
    }
  }

  if (runtime === 'docker') {
    if (!container || container.image === undefined) {
      error(
        container ? 'deploy.linode.container.image' : 'deploy.linode.container',
        'runtime docker needs a container image',
        "Add deploy.linode.container.image (e.g. 'python:3.12-slim'), or use runtime: native.",
      );
    }
    if (container && container.health === undefined) {
      warning(
        'deploy.linode.container',
        'no health check: deploy --wait and status can only see that the container runs',
        'Add deploy.linode.container.health (e.g. type: http, path: /health).',
      );
    }
  } else if (runtime === 'native') {
    if (container) {
      warning(
        'deploy.linode.container',
        'the container section is ignored with runtime native',
        'Remove it, or use runtime: docker.',
      );
    }
    if (text(record(raw.setup).script) === undefined) {
      warning(
        'setup.script',
        'runtime native without setup.script runs nothing',
        'Add setup.script to start your app.',
      );
    }
  }

  if (container) checkContainer(container, features, error, warning);
  checkFirewall(linode, error);
  if (typeof linode.replicas === 'number' && linode.replicas > 1) {
    const health = isRecord(container?.health) ? container.health : undefined;
    const problem = replicasProblem({
      runtime: String(runtime),
      hasContainer: container !== undefined,
      healthType: health ? (text(health.type) ?? 'http') : undefined,
    });
    if (problem) error('deploy.linode.replicas', problem.message, problem.hint);
  }
  checkSetupFiles(record(raw.setup), error);
  checkEnvNames(record(raw.env), error);
  return diagnostics;
}

type Report = (path: string, message: string, hint: string) => void;

/** Returns the set of (alias-resolved) feature names. */
function checkFeatures(capabilities: Raw, options: RuleOptions, error: Report, warning: Report): Set<string> {
  const names = new Set<string>();
  const aliases = options.capabilityAliases ?? new Map<string, string>();
  const candidates = [...options.knownCapabilities, ...aliases.keys()];
  list(capabilities.features).forEach((entry, index) => {
    const path = childPath('capabilities.features', index);
    const name = featureName(entry);
    if (name === undefined || name === '') return; // the schema reports the shape
    const current = aliases.get(name);
    if (current !== undefined) {
      warning(
        path,
        `capability '${name}' is deprecated; '${current}' is used instead`,
        `Replace '${name}' with '${current}'.`,
      );
    } else if (!options.knownCapabilities.has(name)) {
      error(
        path,
        `unknown capability '${name}'${didYouMean(name, candidates)}`,
        `Known capabilities: ${[...options.knownCapabilities].sort().join(', ')}.`,
      );
      return;
    }
    const resolved = current ?? name;
    if (names.has(resolved)) {
      error(path, `capability '${resolved}' is listed twice`, 'Keep one entry (merge their config).');
    }
    names.add(resolved);
  });
  return names;
}

function checkContainer(container: Raw, features: ReadonlySet<string>, error: Report, warning: Report): void {
  const base = 'deploy.linode.container';
  if (container.requires_gpu !== undefined) {
    warning(
      `${base}.requires_gpu`,
      'requires_gpu is deprecated and has no effect',
      features.has('gpu-nvidia')
        ? 'Remove it: capabilities.features already has gpu-nvidia.'
        : 'Remove it and add gpu-nvidia to capabilities.features.',
    );
  }
  const health = container.health;
  if (!isRecord(health)) return;
  const type = health.type ?? 'http';
  if (type === 'http' && health.path === undefined) {
    error(
      `${base}.health.path`,
      'an http health check needs a path',
      'Add path: /health (or the path your app answers on).',
    );
  }
  if (type === 'exec' && health.command === undefined) {
    error(
      `${base}.health.command`,
      'an exec health check needs a command',
      'Add command as a list, e.g. command: [pg_isready, -q].',
    );
  }
  const internal = container.internal_port ?? 8000;
  const external = container.external_port ?? 80;
  if (typeof health.port === 'number' && health.port === external && health.port !== internal) {
    warning(
      `${base}.health.port`,
      `health.port ${health.port} is the external port, but health.port means the port inside the container (internal_port ${String(internal)})`,
      `Set health.port to ${String(internal)} or remove it (it defaults to internal_port); remote checks use external_port automatically.`,
    );
  }
}

function checkFirewall(linode: Raw, error: Report): void {
  list(record(linode.firewall).inbound).forEach((rule, index) => {
    const ports = record(rule).ports;
    if (ports === undefined) return;
    const [from, to = from] = String(ports).split('-').map(Number);
    const path = `${childPath('deploy.linode.firewall.inbound', index)}.ports`;
    const valid = (port: number | undefined) =>
      port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535;
    if (!valid(from) || !valid(to) || from! > to!) {
      error(
        path,
        `ports ${JSON.stringify(ports)} is not a port (1-65535) or an ascending range`,
        'Write e.g. "9090" or "8000-8100".',
      );
    }
  });
}

function checkSetupFiles(setup: Raw, error: Report): void {
  const seen = new Map<string, string>();
  list(setup.files).forEach((file, index) => {
    const path = childPath('setup.files', index);
    const entry = record(file);
    if (entry.content !== undefined && entry.source !== undefined) {
      error(
        path,
        'a setup file has both content and source',
        'Keep one: inline content, or source naming a file next to the template.',
      );
    }
    const source = text(entry.source);
    if (source !== undefined && isReservedSource(source)) {
      error(
        `${path}.source`,
        `source ${JSON.stringify(source)} names a file linode-build manages or never copies (secrets, git data, the project files)`,
        'Move the content into its own file, e.g. files/app.conf, and name that.',
      );
    }
    const target = text(entry.path);
    if (target === undefined) return;
    if (/(^|\/)\.\.(\/|$)/.test(target)) {
      error(
        `${path}.path`,
        `path ${JSON.stringify(target)} contains '..'`,
        'Write the absolute path without .. segments.',
      );
    }
    const first = seen.get(target);
    if (first !== undefined) {
      error(
        `${path}.path`,
        `${target} is written twice (also by ${first})`,
        'Merge the two entries into one file.',
      );
    } else seen.set(target, path);
  });
}

/**
 * Files a setup source may not name: `init` writes the project files itself, and `.env`,
 * `.git` and `.linode` hold secrets or local state that must never be copied around.
 */
const RESERVED_SOURCES = new Set(['template.yml', 'deploy.yml', '.env.example', '.gitignore', 'README.md']);

export function isReservedSource(source: string): boolean {
  const normalized = source.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
  const first = normalized.split('/')[0] ?? '';
  return (
    RESERVED_SOURCES.has(normalized) ||
    first === '.git' ||
    first === '.linode' ||
    /^\.env(\..*)?$/.test(first)
  );
}

function checkEnvNames(env: Raw, error: Report): void {
  const seen = new Map<string, string>();
  for (const section of ['required', 'optional'] as const) {
    list(env[section]).forEach((item, index) => {
      const name = text(record(item).name);
      if (name === undefined) return;
      const path = `${childPath(`env.${section}`, index)}.name`;
      const first = seen.get(name);
      if (first !== undefined) {
        error(
          path,
          `${name} is declared twice (also at ${first})`,
          'Declare each variable once, under required or optional.',
        );
      } else seen.set(name, path);
    });
  }
}
