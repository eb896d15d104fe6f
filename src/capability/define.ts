/**
 * `defineCapability` keeps each capability's config typed inside its own folder while the
 * capability set holds them all as `CapabilityDefinition`. The resolver validates config against
 * `configSchema` (defaults applied) before any function here sees it, which is what makes the
 * widening cast sound.
 */
import type { CapabilityDefinition } from './types.js';

export function defineCapability<Config>(definition: CapabilityDefinition<Config>): CapabilityDefinition {
  return definition as unknown as CapabilityDefinition;
}
