import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveCapabilities } from '../../src/capability/resolve.js';
import { capabilityAliases, capabilityNames } from '../../src/capability/set.js';
import type { Runtime } from '../../src/template/types.js';
import { makeTemplate, resolveContextOf } from './fixtures.js';

const featureNames = [
  ...capabilityNames().filter((name) => name !== 'packages' && name !== 'native'),
  ...capabilityAliases().keys(),
];

const inputs = fc.record({
  runtime: fc.constantFrom<Runtime>('docker', 'native'),
  features: fc.array(fc.constantFrom(...featureNames), { maxLength: 8 }),
  packages: fc.array(fc.constantFrom('htop', 'jq', 'nvtop', 'git'), { maxLength: 5 }),
  image: fc.constantFrom('linode/ubuntu22.04', 'linode/ubuntu24.04'),
  type: fc.constantFrom('g6-standard-2', 'g2-gpu-rtx4000a1-s'),
});

describe('resolution invariants over random feature lists', () => {
  it('is deterministic, duplicate-free, dependency-ordered, runtime first and packages last', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const template = makeTemplate(input);
        const first = resolveCapabilities(template, resolveContextOf(template));
        const second = resolveCapabilities(template, resolveContextOf(template));
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));

        const names = first.capabilities.map((c) => c.definition.name);
        expect(new Set(names).size).toBe(names.length);
        expect(names[0]).toBe(input.runtime);
        if (input.packages.length > 0) expect(names.at(-1)).toBe('packages');
        else expect(names).not.toContain('packages');

        first.capabilities.forEach((capability, index) => {
          for (const dependency of capability.dependsOn ?? []) {
            expect(
              names.indexOf(dependency),
              `${dependency} before ${capability.definition.name}`,
            ).toBeGreaterThanOrEqual(0);
            expect(names.indexOf(dependency)).toBeLessThan(index);
          }
        });

        const aliases = capabilityAliases();
        for (const feature of input.features) expect(names).toContain(aliases.get(feature) ?? feature);

        // Features keep their declared relative order unless a dependency moved one earlier
        // (or it is the runtime itself, which always comes first).
        const declared = [...new Set(input.features.map((f) => aliases.get(f) ?? f))].filter(
          (name) => name !== input.runtime && !first.capabilities.some((c) => c.dependsOn?.includes(name)),
        );
        const positions = declared.map((name) => names.indexOf(name));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }),
      { numRuns: 300, seed: 20261123 },
    );
  });

  it('reports errors only for conflicts, unsupported runtimes and GPU features on non-GPU plans', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const template = makeTemplate(input);
        const { diagnostics } = resolveCapabilities(template, resolveContextOf(template));
        for (const error of diagnostics.filter((d) => d.severity === 'error')) {
          const conflict = /^'[^']+' conflicts with '[^']+' \(capabilities\.features\[\d+\]\)$/.test(
            error.message,
          );
          const runtime = /needs runtime docker, but capabilities\.runtime is 'native'$/.test(error.message);
          const twice = /listed twice with different config/.test(error.message);
          const gpuPlan =
            /^the gpu-nvidia feature needs a GPU plan, but '[^']+' has no GPU$/.test(error.message) &&
            !/^g[12]-gpu-/.test(template.deploy.linode.type_default ?? '');
          expect(conflict || runtime || twice || gpuPlan, error.message).toBe(true);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
