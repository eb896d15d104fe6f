/**
 * A placement group that does not hold, end to end (the built CLI, the fake API with 2 hosts in
 * the region): 3 replicas in a flexible anti-affinity group cannot all be apart, so Linode puts
 * two on one host and reports the group non-compliant. `status ID` says so in one line (text)
 * and in `placementGroup` (JSON, schema-checked), for one more request; a compliant group adds
 * no line, and a listing never reads placement groups.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schema from '../../schema/status.schema.json';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
const notCompliant =
  'Placement group: not compliant (2 replicas share a host); Linode moves them when it can';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ placementHosts: 2 });
});
afterAll(() => lab?.close());

async function deployReplicas(name: string, replicas: number): Promise<string> {
  const project = await lab.project(name, 'embeddings-python');
  writeFileSync(
    path.join(project, 'deploy.yml'),
    appTemplateYml({ greeting: false, name }).replace(
      '    region_default: us-ord\n',
      `    region_default: us-ord\n    replicas: ${replicas}\n`,
    ),
  );
  const deployed = await lab.run(['deploy', '--yes', '--json'], { cwd: project });
  expect(deployed.code, deployed.stderr).toBe(0);
  return JSON.parse(deployed.stdout).id as string;
}

describe('status of replicas whose placement group does not hold', () => {
  it('says the group is not compliant in status ID, and nothing when it is', async () => {
    const crowded = await deployReplicas('crowded', 3);
    const [group] = lab.fake.placementGroups.list();
    expect(group).toMatchObject({ placement_group_policy: 'flexible', is_compliant: false });

    lab.fake.clearLog();
    const text = await lab.run(['status', crowded, '--no-health']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`  ${notCompliant}`);
    expect(lab.fake.requests.map((entry) => `${entry.method} ${entry.path.replace(/\d+/g, 'N')}`)).toContain(
      'GET /placement/groups/N',
    );
    const json = await lab.run(['status', crowded, '--json', '--no-health']);
    const parsed: unknown = JSON.parse(json.stdout);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    expect((parsed as { placementGroup?: unknown }[])[0]!.placementGroup).toEqual({
      id: group!.id,
      label: group!.label,
      compliant: false,
      sharingHost: 2,
    });

    // A listing does not read placement groups (one request per deployment).
    lab.fake.clearLog();
    const listing = await lab.run(['status', '--all', '--no-health']);
    expect(listing.code, listing.stderr).toBe(0);
    expect(lab.fake.countRequests({ path: /^\/placement\// })).toBe(0);
    expect(listing.stdout).not.toContain('Placement group');

    // Two replicas fit on two hosts: compliant, no line.
    const apart = await deployReplicas('apart', 2);
    const detail = await lab.run(['status', apart, '--no-health']);
    expect(detail.code, detail.stderr).toBe(0);
    expect(detail.stdout).not.toContain('Placement group');
    const [apartJson] = JSON.parse((await lab.run(['status', apart, '--json', '--no-health'])).stdout);
    expect(apartJson.placementGroup).toMatchObject({ compliant: true, sharingHost: 0 });

    for (const id of [crowded, apart]) expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
    expect(lab.fake.placementGroups.list()).toEqual([]);
  });
});
