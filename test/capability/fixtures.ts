/** Builds normalised templates for capability tests (only the fields resolution reads matter). */
import type { CapabilityContext } from '../../src/capability/types.js';
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
    secrets: {},
    configs,
  };
}
