/** Builds normalised templates for capability tests (only the fields resolution reads matter). */

import { type CapabilityResolution, resolveCapabilities } from '../../src/capability/resolve.js';
import { listCapabilities } from '../../src/capability/set.js';
import type { CapabilityContext, Fragments } from '../../src/capability/types.js';
import type { FeatureRef, Runtime, Template } from '../../src/template/types.js';

export type FeatureInput = string | { name: string; config?: Record<string, unknown> };

export interface TemplateInput {
  runtime?: Runtime;
  features?: FeatureInput[];
  packages?: string[];
  image?: string;
  type?: string;
}

export function makeTemplate(input: TemplateInput = {}): Template {
  const features: FeatureRef[] = (input.features ?? []).map((feature) =>
    typeof feature === 'string'
      ? { name: feature, config: {} }
      : { name: feature.name, config: feature.config ?? {} },
  );
  return {
    name: 'test-app',
    display_name: 'Test app',
    version: '1.0.0',
    description: 'A template for capability tests',
    capabilities: { runtime: input.runtime ?? 'docker', features, packages: input.packages ?? [] },
    deploy: {
      target: 'linode',
      linode: {
        image: input.image ?? 'linode/ubuntu24.04',
        region_default: 'us-ord',
        type_default: input.type ?? 'g6-standard-2',
        tags: [],
        firewall: { inbound: [] },
      },
    },
    setup: { files: [] },
    env: { required: [], optional: [] },
  };
}

export function resolveContextOf(template: Template): { image: string; type: string; runtime: Runtime } {
  return {
    image: template.deploy.linode.image,
    type: template.deploy.linode.type_default ?? '',
    runtime: template.capabilities.runtime,
  };
}

export function capabilityContext(
  template: Template,
  capabilities: Iterable<string>,
  configs: Record<string, Record<string, unknown>> = {},
): CapabilityContext {
  return {
    template,
    runtime: template.capabilities.runtime,
    image: template.deploy.linode.image,
    region: 'us-ord',
    type: template.deploy.linode.type_default ?? '',
    deploymentId: 'abcd1234',
    appName: 'test-app',
    envName: 'dev',
    capabilities: new Set(capabilities),
    secrets: { watcherToken: 'test-watcher-token-0123456789abcdef' },
    configs,
  };
}

/** Resolves a template and calls every capability's fragments() the way the composer does. */
export function composeFragments(input: TemplateInput): {
  resolution: CapabilityResolution;
  fragments: Map<string, Fragments>;
} {
  const template = makeTemplate(input);
  const resolution = resolveCapabilities(template, resolveContextOf(template));
  const names = resolution.capabilities.map((c) => c.definition.name);
  const configs = Object.fromEntries(
    resolution.capabilities.map((c) => [c.definition.name, { ...c.config }]),
  );
  const context = capabilityContext(template, names, configs);
  const fragments = new Map(
    resolution.capabilities.map((c) => [c.definition.name, c.definition.fragments(c.config, context)]),
  );
  return { resolution, fragments };
}

/** Every combination of runtime, image and capability the built-ins support, for sweeping tests. */
export function everyCombination(): TemplateInput[] {
  const inputs: TemplateInput[] = [];
  for (const definition of listCapabilities()) {
    if (definition.name === 'packages') continue;
    for (const runtime of definition.runtimes ?? (['docker', 'native'] as Runtime[])) {
      for (const image of definition.images ?? ['linode/ubuntu22.04', 'linode/ubuntu24.04']) {
        const features: FeatureInput[] = definition.kind === 'feature' ? [definition.name] : [];
        const type = definition.name === 'gpu-nvidia' ? 'g2-gpu-rtx4000a1-s' : 'g6-standard-2';
        inputs.push({
          runtime: definition.kind === 'runtime' ? (definition.name as Runtime) : runtime,
          features,
          image,
          type,
        });
        inputs.push({ runtime, features: [...features, 'docker-optimize'], image, type, packages: ['htop'] });
      }
    }
  }
  return inputs;
}
