/** Dependencies → capability names, checked against the real registry. */
import { describe, expect, it } from 'vitest';
import { capabilityNames } from '../../src/capability/set.js';
import {
  DEPENDENCY_ALIASES,
  mapDependencies,
  mapDependency,
  splitDependencies,
} from '../../src/llm-assist/dependencies.js';

const known = new Set(capabilityNames());

describe('dependency mapping', () => {
  it('maps every alias to a capability that exists in the registry', () => {
    for (const [alias, capability] of DEPENDENCY_ALIASES) {
      expect(known.has(capability), `${alias} → ${capability}`).toBe(true);
      expect(mapDependency(alias, known).capability).toBe(capability);
    }
  });

  it('maps the common names the brief lists', () => {
    expect(mapDependency('redis', known).capability).toBe('redis');
    expect(mapDependency('postgres', known).capability).toBe('postgresql-16');
    expect(mapDependency('node', known).capability).toBe('nodejs-22');
    expect(mapDependency('python', known).capability).toBe('python-3.12');
    expect(mapDependency('Redis', known)).toEqual({ input: 'Redis', capability: 'redis' });
  });

  it('honours versions that exist and explains those that do not', () => {
    expect(mapDependency('postgres 15', known).capability).toBe('postgresql-15');
    expect(mapDependency('node-20', known).capability).toBe('nodejs-20');
    expect(mapDependency('python3.11', known).capability).toBe('python-3.11');
    expect(mapDependency('postgresql-14', known).capability).toBe('postgresql-14');
    const old = mapDependency('postgres 9', known);
    expect(old.capability).toBeUndefined();
    expect(old.note).toBe(
      'no capability postgresql-9; available: postgresql-14, postgresql-15, postgresql-16',
    );
  });

  it('never invents a capability for something unknown', () => {
    const result = mapDependency('ffmpeg', known);
    expect(result.capability).toBeUndefined();
    expect(result.note).toMatch(/capabilities\.packages/);
  });

  it('splits lists and drops repeats', () => {
    expect(splitDependencies(' redis, postgres;node\n\n ,python ')).toEqual([
      'redis',
      'postgres',
      'node',
      'python',
    ]);
    expect(mapDependencies(['redis', 'REDIS', 'node'], known).map((d) => d.capability)).toEqual([
      'redis',
      'nodejs-22',
    ]);
  });
});
