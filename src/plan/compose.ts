/**
 * Composes a DeployPlan from a template, .env values, a deployment context and the resolved
 * capabilities. Pure: no I/O, no clock, no randomness; the same input gives the same bytes.
 *
 * Boot order: for each capability (dependency order, then declaration order) a step that
 * installs its packages (each package once, in the first capability that asks for it; the
 * first such step installs every capability's in one apt transaction when it can), then
 * its own steps, then a step running its probes; then the template's setup script; then the
 * app (metadata block, image pull, start, health wait, post-start).
 */
import type { CapabilityContext, Fragments, PortRule, ResolvedCapability } from '../capability/types.js';
import { appParts, SETUP_PART, type StepSpec } from '../cloudinit/app.js';
import { type CloudConfigSpec, renderCloudConfig } from '../cloudinit/document.js';
import { defaultUserDataEncoding, userDataPayload } from '../cloudinit/payload.js';
import {
  type CapabilityPackages,
  commandScript,
  packagesListFile,
  packagesStepScript,
  runnerCommand,
  runnerFiles,
  stepFiles,
} from '../cloudinit/runner.js';
import type { BootStep, CloudFile } from '../cloudinit/types.js';
import { commandArgv } from '../env/command.js';
import { renderEnvFile } from '../env/envfile.js';
import { type ResolvedEnv, resolveEnv } from '../env/resolve.js';
import { CliError } from '../errors.js';
import type { Diagnostic, Runtime } from '../template/types.js';
import { buildFirewall } from './firewall.js';
import { expiryStamp, instanceLabel, TAG_MAX, tag } from './labels.js';
import { sizeReport } from './size.js';
import type { DeployPlan, PlanInput, PlannedStep } from './types.js';

export interface ComposeInput extends PlanInput {
  readonly capabilities: readonly ResolvedCapability[];
  /** Warnings from capability resolution, passed through to the plan. */
  readonly warnings?: readonly Diagnostic[];
}

/** Transitive `requires` of each capability, limited to the resolved set. */
function dependencyClosure(
  capabilities: readonly ResolvedCapability[],
  runtime: Runtime,
): Map<string, readonly string[]> {
  const present = new Set(capabilities.map((c) => c.definition.name));
  const direct = new Map<string, string[]>();
  for (const capability of capabilities) {
    const required = capability.definition.requires?.(capability.config, { runtime }) ?? [];
    direct.set(
      capability.definition.name,
      required.filter((name) => present.has(name)),
    );
  }
  const closure = new Map<string, readonly string[]>();
  for (const capability of capabilities) {
    const seen = new Set<string>();
    const stack = [...(direct.get(capability.definition.name) ?? [])];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name) || name === capability.definition.name) continue;
      seen.add(name);
      stack.push(...(direct.get(name) ?? []));
    }
    // Report in plan order, not discovery order.
    closure.set(
      capability.definition.name,
      capabilities.map((c) => c.definition.name).filter((name) => seen.has(name)),
    );
  }
  return closure;
}

function checkContainerValues(image: string, volumes: readonly string[]): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(image)) {
    throw new CliError(
      `deploy.linode.container.image ${JSON.stringify(image)} is not a valid image reference`,
      'Use a reference like registry.example.com/team/app:1.2 (no spaces, not starting with "-").',
    );
  }
  for (const volume of volumes) {
    if (volume === '' || volume.startsWith('-') || /[\r\n\0]/.test(volume)) {
      throw new CliError(
        `deploy.linode.container.volumes has an invalid entry ${JSON.stringify(volume)}`,
        'Use host-path:container-path[:ro] or volume-name:container-path.',
      );
    }
  }
}

function stepId(index: number, capability: string, name: string): string {
  return `${String(index).padStart(2, '0')}-${capability}-${name}`.replace(/[^A-Za-z0-9._-]/g, '-');
}

export function composePlan(input: ComposeInput): DeployPlan {
  const { template, context } = input;
  const runtime = template.capabilities.runtime;
  if (runtime === 'k3s') {
    throw new CliError(
      'The k3s runtime is not supported',
      'Use capabilities.runtime: docker (or native for an app installed by setup.script).',
    );
  }
  const container = template.deploy.linode.container;
  if (runtime === 'docker') {
    if (!container) {
      throw new CliError(
        'The docker runtime needs deploy.linode.container (image and ports)',
        'Add a container section, or use capabilities.runtime: native.',
      );
    }
    checkContainerValues(container.image, container.volumes);
  }

  const names = input.capabilities.map((c) => c.definition.name);
  const capabilityContext: CapabilityContext = {
    template,
    runtime,
    image: context.image,
    region: context.region,
    type: context.type,
    deploymentId: context.deploymentId,
    appName: context.appName,
    envName: context.envName,
    capabilities: new Set(names),
    secrets: context.secrets,
    configs: Object.fromEntries(input.capabilities.map((c) => [c.definition.name, c.config])),
  };
  const closure = dependencyClosure(input.capabilities, runtime);

  const steps: (StepSpec & { dependsOn: readonly string[]; part: string })[] = [];
  const files: CloudFile[] = [];
  const spec: {
    aptSources: CloudConfigSpec['aptSources'][number][];
    bootcmd: CloudConfigSpec['bootcmd'][number][];
  } = { aptSources: [], bootcmd: [] };
  const installed = new Set<string>();
  const packages: string[] = [];
  const packagesByCapability: CapabilityPackages[] = [];
  const capabilityEnv: Record<string, string> = {};
  const runArgs: string[] = [];
  const capabilityPorts: { capability: string; rule: PortRule }[] = [];

  for (const capability of input.capabilities) {
    const name = capability.definition.name;
    const fragments: Fragments = capability.definition.fragments(capability.config, capabilityContext);
    const dependsOn = closure.get(name) ?? [];
    const own = (step: StepSpec) => steps.push({ ...step, dependsOn, part: name });
    const fresh = (fragments.packages ?? []).filter((pkg) => !installed.has(pkg));
    for (const pkg of fresh) {
      installed.add(pkg);
      packages.push(pkg);
    }
    if (fresh.length > 0) {
      packagesByCapability.push({ capability: name, dependsOn, packages: fresh });
      own({
        capability: name,
        name: 'packages',
        description: `Install ${fresh.join(', ')}`,
        script: packagesStepScript(name, fresh),
      });
    }
    for (const step of fragments.steps ?? []) {
      own({
        capability: name,
        name: step.name,
        description: step.description,
        script: step.script,
        env: step.env,
      });
    }
    if (fragments.probes && fragments.probes.length > 0) {
      own({
        capability: name,
        name: 'verify',
        description: `Check ${fragments.probes.map((probe) => probe.name).join(', ')}`,
        script: commandScript(
          `probes for ${name}`,
          fragments.probes.map((probe) => probe.argv),
        ),
      });
    }
    for (const file of fragments.writeFiles ?? []) files.push({ ...file, part: name });
    for (const source of fragments.aptSources ?? []) spec.aptSources.push({ part: name, source });
    for (const argv of fragments.bootcmd ?? []) spec.bootcmd.push({ part: name, argv });
    Object.assign(capabilityEnv, fragments.container?.env ?? {});
    runArgs.push(...(fragments.container?.runArgs ?? []));
    for (const rule of fragments.ports ?? []) capabilityPorts.push({ capability: name, rule });
  }

  const env = resolveEnv({
    template,
    dotenv: input.dotenv,
    capabilityEnv,
    builtins: {
      BUILD_APP: context.appName,
      BUILD_ENV: context.envName,
      BUILD_DEPLOYMENT_ID: context.deploymentId,
    },
  });
  const envLookup = (name: string) => (Object.hasOwn(env.values, name) ? env.values[name] : undefined);
  const command = commandArgv(container?.command, envLookup, 'deploy.linode.container.command');

  for (const file of template.setup.files) {
    // A file owned by someone other than root may need a user a package creates: write it late.
    files.push({ ...file, defer: file.owner !== 'root:root' && file.owner !== 'root', part: SETUP_PART });
  }
  const app = appParts(
    {
      runtime,
      appName: context.appName,
      deploymentId: context.deploymentId,
      envName: context.envName,
      container,
      command,
      runArgs,
      env: env.values,
      setupScript: template.setup.script,
    },
    renderEnvFile(env.values),
  );
  files.push(...app.files);
  for (const step of app.setupSteps) steps.push({ ...step, dependsOn: names, part: SETUP_PART });
  const appDepends = app.setupSteps.length > 0 ? [...names, 'setup'] : names;
  for (const step of app.appSteps) steps.push({ ...step, dependsOn: appDepends, part: 'app' });

  const bootSteps: BootStep[] = steps.map((step, index) => ({
    ...step,
    id: stepId(index + 1, step.capability, step.name),
  }));
  const allFiles = [...runnerFiles(), ...files, ...stepFiles(bootSteps)];
  if (packagesByCapability.length > 1) allFiles.push(packagesListFile(packagesByCapability));
  const seen = new Set<string>();
  for (const file of allFiles) {
    if (seen.has(file.path)) {
      throw new CliError(
        `Two files would be written to ${file.path} (the second from ${file.part})`,
        'Change the path in setup.files, or remove the capability that also writes it.',
      );
    }
    seen.add(file.path);
  }
  const encoding = context.userDataEncoding ?? defaultUserDataEncoding(context.image);
  const rendered = renderCloudConfig({
    files: allFiles,
    aptSources: spec.aptSources,
    bootcmd: spec.bootcmd,
    runcmd: [runnerCommand()],
    compressFiles: encoding === 'plain',
  });
  const payload = userDataPayload(rendered.text, encoding);
  const size = sizeReport({ document: rendered.text, payload, encoding }, rendered.partBytes);

  const { tags, warnings: tagWarnings } = buildTags(input);
  const firewall = buildFirewall({
    template,
    appName: context.appName,
    deploymentId: context.deploymentId,
    tags: tags.slice(0, 4),
    capabilityPorts,
  });

  const plannedSteps: PlannedStep[] = bootSteps.map((step) => ({
    id: step.id,
    capability: step.capability,
    name: step.name,
    description: step.description,
  }));
  return {
    template,
    context,
    capabilities: input.capabilities.map((c) => ({
      name: c.definition.name,
      addedBy: c.addedBy,
      config: c.config,
    })),
    endpoints: input.capabilities.flatMap((c) =>
      (c.definition.endpoints?.(c.config) ?? []).map((endpoint) => ({
        ...endpoint,
        capability: c.definition.name,
      })),
    ),
    packages,
    steps: plannedSteps,
    ports: firewall.ports,
    userData: rendered.text,
    size,
    instance: {
      label: instanceLabel(context.appName, context.envName, context.deploymentId),
      region: context.region,
      type: context.type,
      image: context.image,
      ...(context.rootPass !== undefined ? { root_pass: context.rootPass } : {}),
      ...(context.sshKeys.length > 0 ? { authorized_keys: [...context.sshKeys] } : {}),
      tags,
      metadata: { user_data: payload.toString('base64') },
    },
    firewall: firewall.body,
    envNames: Object.keys(env.values),
    envValues: env.values,
    secretValues: secretValues(input, env),
    warnings: [...(input.warnings ?? []), ...env.warnings, ...tagWarnings],
    files: allFiles.map((file) => ({
      path: file.path,
      part: file.part,
      bytes: Buffer.byteLength(file.content, 'utf8'),
    })),
    writeFiles: allFiles,
  };
}

/** build-* tags, then the template's own (Linode tags are 3–50 characters; others are dropped with a warning). */
function buildTags(input: PlanInput): { tags: string[]; warnings: Diagnostic[] } {
  const { context, template } = input;
  const tags = [
    tag('build-id', context.deploymentId),
    tag('build-app', context.appName),
    tag('build-env', context.envName),
    tag('build-tmpl', template.name),
  ];
  const warnings: Diagnostic[] = [];
  for (const extra of template.deploy.linode.tags) {
    if (extra.length < 3 || extra.length > TAG_MAX) {
      warnings.push({
        severity: 'warning',
        path: 'deploy.linode.tags',
        message: `tag ${JSON.stringify(extra)} is not 3–50 characters long, so Linode would refuse it; it is left out`,
        hint: 'Use tags of 3 to 50 characters.',
      });
    } else if (!tags.includes(extra)) tags.push(extra);
  }
  if (context.expiresAt) tags.push(tag('build-expires', expiryStamp(context.expiresAt)));
  if (context.idleLimit) tags.push(tag('build-idle', context.idleLimit));
  return { tags, warnings };
}

/**
 * Every value output layers must redact: all .env values, env values derived from them, the
 * root password and generated tokens. Literal values written in the template are not secret
 * (the template is a shared file); redacting them would only garble output such as labels.
 */
function secretValues(input: PlanInput, env: ResolvedEnv): string[] {
  const values = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value !== '') values.add(value);
  };
  for (const value of Object.values(input.dotenv)) add(value);
  for (const name of env.fromDotenv) add(env.values[name]);
  for (const value of Object.values(input.context.secrets)) add(value);
  add(input.context.rootPass);
  return [...values].sort();
}
