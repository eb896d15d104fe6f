/**
 * `buildPlan`: template + .env values + deployment context → DeployPlan. Pure: capabilities
 * are resolved against the built-in capability set, then composed (see compose.ts).
 */
import { type CapabilityResolution, resolveCapabilities } from '../capability/resolve.js';
import { CliError } from '../errors.js';
import { formatDiagnostics } from '../template/diagnostics.js';
import type { Template } from '../template/types.js';
import { composePlan } from './compose.js';
import type { DeployPlan, PlanInput } from './types.js';

export { composePlan } from './compose.js';
export { USER_DATA_LIMIT } from './size.js';

/**
 * The template's capabilities resolved for this image and type, or a CliError naming every
 * combination problem. Its declarations (secrets, endpoints) are read before the plan exists.
 */
export function resolvePlanCapabilities(
  template: Template,
  target: { readonly image: string; readonly type: string },
): CapabilityResolution {
  const resolution = resolveCapabilities(template, {
    image: target.image,
    type: target.type,
    runtime: template.capabilities.runtime,
  });
  const errors = resolution.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new CliError(
      `The template's capabilities cannot be combined:\n${formatDiagnostics(errors)}`,
      'Fix the capabilities section of deploy.yml; docs/capabilities.md lists every capability and its config.',
    );
  }
  return resolution;
}

/** `resolution`: the one resolvePlanCapabilities returned for the same template and target. */
export function buildPlan(input: PlanInput & { readonly resolution?: CapabilityResolution }): DeployPlan {
  const { template, context } = input;
  const resolution = input.resolution ?? resolvePlanCapabilities(template, context);
  return composePlan({
    ...input,
    capabilities: resolution.capabilities,
    warnings: resolution.diagnostics.filter((d) => d.severity === 'warning'),
  });
}
