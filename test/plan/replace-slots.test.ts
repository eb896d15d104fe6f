/**
 * What `deploy --replace` brings in beside a replica (names Linode accepts, distinct from the
 * replica's own, found again by one tag) and which replicas still need a new instance.
 */
import { CreateLinodeSchema } from '@linode/validation';
import { describe, expect, it } from 'vitest';
import type { PlanPrint } from '../../src/plan/fingerprint.js';
import {
  batchesOf,
  continuesReplace,
  replicasToReplace,
  surgeInstance,
  surgeNodeLabel,
  surgeTag,
} from '../../src/plan/replace-slots.js';
import { replicaIndexOf, scalePlan } from '../../src/plan/scale.js';
import { makeTemplate } from './fixtures.js';
import { planFor } from './support.js';

const template = makeTemplate({ name: 'an-application-name-long-enough-to-need-cutting-in-every-label' });

function print(type: string): PlanPrint {
  return {
    version: 1,
    fields: {
      type: { level: 'machine', digest: `d-${type}`, shown: type },
      image: { level: 'machine', digest: 'd-image' },
    },
  };
}

describe('surgeInstance', () => {
  const plan = planFor(template);
  const scale = scalePlan(plan, 3)!;
  const id = plan.context.deploymentId;

  it('is the replica’s body under a label and tag of its own, which Linode accepts', async () => {
    for (const replica of scale.instances) {
      const body = surgeInstance(plan, replica);
      await expect(
        CreateLinodeSchema.validate({ ...body, placement_group: { id: 5 } }),
      ).resolves.toBeTruthy();
      expect(body.label).not.toBe(replica.instance.label);
      expect(body.label.length).toBeLessThanOrEqual(64);
      expect(body.label).toMatch(new RegExp(`-${id}-${replica.index}-new$`));
      expect(body.label).not.toMatch(/--|__|\.\./);
      expect(body.tags).toContain(surgeTag(id, replica.index));
      expect(body.tags).toContain(`build-id:${id}`);
      // Not a replica until it takes the old one's place: scale-down and resume leave it alone.
      expect(replicaIndexOf(body.tags)).toBeUndefined();
      expect(body.tags.filter((tag) => !tag.startsWith('build-replacing:'))).toEqual(
        replica.instance.tags.filter((tag) => !tag.startsWith('build-replica:')),
      );
      expect({ ...body, label: '', tags: [] }).toEqual({ ...replica.instance, label: '', tags: [] });
    }
  });

  it('names the backend apart from the replica’s, within the NodeBalancer’s 32 characters', () => {
    const labels = scale.instances.map((replica) => surgeNodeLabel(id, replica.index));
    expect(new Set([...labels, ...scale.instances.map((replica) => replica.nodeLabel)]).size).toBe(6);
    for (const label of labels) expect(label).toMatch(/^[a-z0-9][a-z0-9._-]{2,31}$/i);
  });
});

describe('replicasToReplace', () => {
  const [old, next, third] = [print('g6-standard-2'), print('g6-standard-4'), print('g6-dedicated-4')];

  it('every replica when none runs the wanted plan yet', () => {
    expect(replicasToReplace([3, 1, 2], old, undefined, next)).toEqual([1, 2, 3]);
  });

  it('none when all run it', () => {
    expect(replicasToReplace([1, 2, 3], next, undefined, next)).toEqual([]);
  });

  it('the rest when an unfinished replace to the same plan did some', () => {
    const progress = { fingerprint: next, done: [1, 3] };
    expect(replicasToReplace([1, 2, 3], old, progress, next)).toEqual([2]);
    expect(continuesReplace(progress, next)).toBe(true);
  });

  it('only those it did when the change was undone, all when a third plan is wanted', () => {
    const progress = { fingerprint: next, done: [1] };
    expect(replicasToReplace([1, 2, 3], old, progress, old)).toEqual([1]);
    expect(replicasToReplace([1, 2, 3], old, progress, third)).toEqual([1, 2, 3]);
    expect(continuesReplace(progress, old)).toBe(false);
  });

  it('every replica whose plan is unknown (a record without a fingerprint)', () => {
    expect(replicasToReplace([1, 2], undefined, undefined, next)).toEqual([1, 2]);
    expect(replicasToReplace([1, 2], old, undefined, undefined)).toEqual([1, 2]);
  });

  it('a plan with a field more or less is another plan', () => {
    const more: PlanPrint = {
      version: 1,
      fields: { ...next.fields, packages: { level: 'machine', digest: 'd-pkgs' } },
    };
    expect(replicasToReplace([1], next, undefined, more)).toEqual([1]);
    expect(replicasToReplace([1], more, undefined, next)).toEqual([1]);
  });
});

describe('batchesOf', () => {
  it('consecutive batches of the size, the last shorter; at least one per batch', () => {
    expect(batchesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batchesOf([1, 2], 0)).toEqual([[1], [2]]);
    expect(batchesOf([], 3)).toEqual([]);
  });
});
