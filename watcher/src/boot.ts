/**
 * Boot progress: cloud-init's own status files and the planner's boot-status file. Both are
 * written by other processes while we read them, so anything missing, partial or malformed
 * is reported as unknown rather than an error.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface BootStep {
  id: string;
  capability: string;
  name: string;
  description: string;
  state: string;
  exit_code?: number;
  started_at?: string;
  finished_at?: string;
  output_tail?: string;
}

export interface CloudInitStatus {
  /** not-started | running | done | error | unknown */
  status: string;
  stage?: string;
  errors: string[];
}

export interface BootProgress {
  cloud_init: CloudInitStatus;
  /** running | done | failed | unknown (no boot-status file yet) */
  state: string;
  started_at?: string;
  updated_at?: string;
  current_step?: string;
  failed_step?: string;
  steps: BootStep[];
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string').slice(0, 20)
    : [];
}

function text(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' ? value.slice(0, max) : undefined;
}

/**
 * A step's last output lines: boot-status.json holds them as an array of lines (boot-status.py);
 * a plain string is accepted too. The end is kept when it is too long: that is where errors are.
 */
function outputTail(value: unknown, max = 4000): string | undefined {
  const joined = Array.isArray(value)
    ? value.filter((line): line is string => typeof line === 'string').join('\n')
    : typeof value === 'string'
      ? value
      : undefined;
  return joined ? joined.slice(-max) : undefined;
}

/** Reads /run/cloud-init/{result,status}.json: result.json exists once cloud-init has finished. */
export function readCloudInit(directory: string): CloudInitStatus {
  const result = readJson(path.join(directory, 'result.json'))?.v1 as Record<string, unknown> | undefined;
  if (result) {
    const errors = strings(result.errors);
    return { status: errors.length ? 'error' : 'done', errors };
  }
  const status = readJson(path.join(directory, 'status.json'))?.v1 as Record<string, unknown> | undefined;
  if (!status) return { status: fs.existsSync(directory) ? 'unknown' : 'not-started', errors: [] };
  const errors: string[] = [];
  for (const value of Object.values(status)) {
    if (value && typeof value === 'object')
      errors.push(...strings((value as Record<string, unknown>).errors));
  }
  const stage = text(status.stage);
  const progress: CloudInitStatus = {
    status: errors.length ? 'error' : 'running',
    errors: errors.slice(0, 20),
  };
  if (stage) progress.stage = stage;
  return progress;
}

export function readBootStatus(file: string): Omit<BootProgress, 'cloud_init'> {
  const raw = readJson(file);
  if (!raw) return { state: 'unknown', steps: [] };
  const steps: BootStep[] = [];
  for (const item of Array.isArray(raw.steps) ? raw.steps.slice(0, 200) : []) {
    if (!item || typeof item !== 'object') continue;
    const step = item as Record<string, unknown>;
    const parsed: BootStep = {
      id: text(step.id) ?? '',
      capability: text(step.capability) ?? '',
      name: text(step.name) ?? '',
      description: text(step.description, 500) ?? '',
      state: text(step.state) ?? 'unknown',
    };
    if (typeof step.exit_code === 'number') parsed.exit_code = step.exit_code;
    for (const key of ['started_at', 'finished_at'] as const) {
      const value = text(step[key]);
      if (value) parsed[key] = value;
    }
    const tail = outputTail(step.output_tail);
    if (tail) parsed.output_tail = tail;
    steps.push(parsed);
  }
  const progress: Omit<BootProgress, 'cloud_init'> = { state: text(raw.state) ?? 'unknown', steps };
  const startedAt = text(raw.started_at);
  const updatedAt = text(raw.updated_at);
  if (startedAt) progress.started_at = startedAt;
  if (updatedAt) progress.updated_at = updatedAt;
  const running = steps.find((step) => step.state === 'running');
  const failed = steps.find((step) => step.state === 'failed');
  if (running) progress.current_step = running.id || running.name;
  if (failed) progress.failed_step = failed.id || failed.name;
  return progress;
}

export function readBootProgress(cloudInitDirectory: string, bootStatusFile: string): BootProgress {
  return { cloud_init: readCloudInit(cloudInitDirectory), ...readBootStatus(bootStatusFile) };
}
