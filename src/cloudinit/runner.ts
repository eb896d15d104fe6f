/**
 * The boot runner and its helpers, and the files that describe the steps it runs: one script
 * per step, an optional env file per step (exported `NAME='value'` lines quoted by src/quote,
 * loaded in the step's own subshell), and the manifest the runner walks.
 */
import { shellAssignment, shellJoin } from '../quote/index.js';
import { LIB_DIR, MANIFEST_PATH, PACKAGES_LIST_PATH, STEPS_DIR } from './layout.js';
import aptInstall from './scripts/apt-install.sh?raw';
import aptUpdate from './scripts/apt-update.sh?raw';
import bootRunner from './scripts/boot-runner.sh?raw';
import bootStatus from './scripts/boot-status.py?raw';
import retryLibrary from './scripts/retry.sh?raw';
import runScript from './scripts/run-script.sh?raw';
import type { BootStep, CloudFile } from './types.js';

export const RUNNER_PART = 'runner';
export const BOOT_RUNNER_PATH = `${LIB_DIR}/boot-runner`;
export const APT_INSTALL_PATH = `${LIB_DIR}/apt-install`;
export const RUN_SCRIPT_PATH = `${LIB_DIR}/run-script`;

export function executable(path: string, content: string, part: string): CloudFile {
  return { path, content, permissions: '0755', owner: 'root:root', part };
}

/** The runner, its JSON status writer, the retry library, the apt helpers and the script launcher. */
export function runnerFiles(): CloudFile[] {
  return [
    executable(BOOT_RUNNER_PATH, bootRunner, RUNNER_PART),
    executable(`${LIB_DIR}/boot-status.py`, bootStatus, RUNNER_PART),
    {
      path: `${LIB_DIR}/retry.sh`,
      content: retryLibrary,
      permissions: '0644',
      owner: 'root:root',
      part: RUNNER_PART,
    },
    executable(`${LIB_DIR}/apt-update`, aptUpdate, RUNNER_PART),
    executable(APT_INSTALL_PATH, aptInstall, RUNNER_PART),
    executable(RUN_SCRIPT_PATH, runScript, RUNNER_PART),
  ];
}

/** The runcmd entry: one argv item that runs the runner. */
export function runnerCommand(): string[] {
  return ['/bin/bash', BOOT_RUNNER_PATH];
}

/** A generated step script: strict bash running one argv per line. */
export function commandScript(purpose: string, commands: readonly (readonly string[])[]): string {
  const lines = commands.map((argv) => shellJoin(argv));
  return `#!/bin/bash\n# ${purpose.replace(/\s+/g, ' ')}\nset -euo pipefail\n${lines.join('\n')}\n`;
}

/** One capability's apt packages, as its packages step installs them. */
export interface CapabilityPackages {
  readonly capability: string;
  /** The capabilities it depends on (transitively): if one fails, its packages are left out. */
  readonly dependsOn: readonly string[];
  readonly packages: readonly string[];
}

/**
 * A capability's packages step: `apt-install --together`, so the first such step of a boot
 * installs every capability's packages (from the packages list) in one apt transaction.
 */
export function packagesStepScript(capability: string, packages: readonly string[]): string {
  return commandScript(`apt packages for ${capability}`, [[APT_INSTALL_PATH, '--together', ...packages]]);
}

/** The list the runner reads to tell apt-install which packages can go in the shared transaction. */
export function packagesListFile(entries: readonly CapabilityPackages[]): CloudFile {
  const lines = entries.map((entry) =>
    [
      entry.capability,
      entry.dependsOn.length > 0 ? entry.dependsOn.join(',') : '-',
      entry.packages.join(' '),
    ].join('\t'),
  );
  return {
    path: PACKAGES_LIST_PATH,
    content: lines.length > 0 ? `${lines.join('\n')}\n` : '',
    permissions: '0644',
    owner: 'root:root',
    part: RUNNER_PART,
  };
}

/** Manifest fields are tab-separated; keep free text on one line without tabs. */
function oneLine(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ').trim();
}

/** shellcheck findings that are about intent, wrong for generated, quoted data files. */
export const DATA_FILE_CHECKS_OFF = 'SC1003,SC2016,SC2209';

export function stepEnvFile(env: Readonly<Record<string, string>>): string {
  const names = Object.keys(env).sort();
  return `# shellcheck shell=bash disable=${DATA_FILE_CHECKS_OFF}\n${names.map((name) => `export ${shellAssignment(name, env[name]!)}`).join('\n')}\n`;
}

export function manifestLine(step: BootStep): string {
  const depends = step.dependsOn.length > 0 ? step.dependsOn.join(',') : '-';
  return [step.id, step.capability, step.name, depends, oneLine(step.description)].join('\t');
}

/** Step scripts, step env files and the manifest. */
export function stepFiles(steps: readonly BootStep[]): CloudFile[] {
  const files: CloudFile[] = [];
  for (const step of steps) {
    files.push({
      path: `${STEPS_DIR}/${step.id}.sh`,
      content: step.script,
      permissions: '0700',
      owner: 'root:root',
      part: step.part,
    });
    if (step.env && Object.keys(step.env).length > 0) {
      files.push({
        path: `${STEPS_DIR}/${step.id}.env`,
        content: stepEnvFile(step.env),
        permissions: '0600',
        owner: 'root:root',
        part: step.part,
      });
    }
  }
  files.push({
    path: MANIFEST_PATH,
    content: `${steps.map(manifestLine).join('\n')}\n`,
    permissions: '0644',
    owner: 'root:root',
    part: RUNNER_PART,
  });
  return files;
}
