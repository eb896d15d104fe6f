/**
 * `buildPlan`: template + .env values + deployment context → DeployPlan. Pure: capabilities
 * are resolved against the built-in registry, then composed (see compose.ts).
 */
import { resolveCapabilities } from '../capability/resolve.js';
import { CliError } from '../errors.js';
import { formatDiagnostics } from '../template/diagnostics.js';
import { composePlan } from './compose.js';
import type { DeployPlan, PlanInput } from './types.js';

export { composePlan } from './compose.js';
export { USER_DATA_LIMIT } from './size.js';

export function buildPlan(input: PlanInput): DeployPlan {
  const { template, context } = input;
  const resolution = resolveCapabilities(template, {
    image: context.image,
    type: context.type,
    runtime: template.capabilities.runtime,
  });
  const errors = resolution.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new CliError(
      `The template's capabilities cannot be combined:\n${formatDiagnostics(errors)}`,
      'Fix the capabilities section of deploy.yml; docs/capabilities.md lists every capability and its config.',
    );
  }
  return composePlan({
    ...input,
    capabilities: resolution.capabilities,
    warnings: resolution.diagnostics.filter((d) => d.severity === 'warning'),
  });
}
