/**
 * The wizard's production backend without a terminal: templates from the real template catalog
 * (bundled ones, with their required variables and defaults), regions and types from the fake
 * Linode API (Metadata regions only, every type priced), and the directory check `init` uses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWizardBackend } from '../../src/tui/wizard/live-backend.js';
import { fakeRegions, fakeTypes } from '../fake-linode/catalog.js';
import { labToken } from '../fake-linode/harness.js';
import { FakeLinode } from '../fake-linode/server.js';
import { tempHome } from '../support/cli.js';

let fake: FakeLinode;
beforeAll(async () => {
  fake = await new FakeLinode({ token: labToken }).start();
});
afterAll(async () => {
  await fake?.close();
});

function backend() {
  const { home, env } = tempHome();
  return {
    home,
    wizard: createWizardBackend({
      env: { ...env, LINODE_TOKEN: labToken, LINODE_API_URL: fake.url },
      cwd: home,
    }),
  };
}

describe('live wizard backend', () => {
  it('offers every valid bundled template with its required variables and defaults', async () => {
    const templates = await backend().wizard.templates();
    const names = templates.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['chat-agent', 'embeddings-python', 'llm-api', 'ml-pipeline']),
    );
    const llm = templates.find((t) => t.name === 'llm-api')!;
    expect(llm.requiredEnv.map((v) => v.name)).toEqual(['HF_TOKEN']);
    expect(llm).toMatchObject({
      source: 'bundled',
      regionDefault: 'us-ord',
      typeDefault: 'g2-gpu-rtx4000a1-s',
    });
    expect(templates.find((t) => t.name === 'embeddings-python')).toMatchObject({
      requiredEnv: [],
      needsGpu: false,
    });
  });

  it('lists only Metadata regions (GPU ones marked) and every type with its API price', async () => {
    const offerings = await backend().wizard.offerings();
    const metadata = fakeRegions.filter((r) => r.capabilities.includes('Metadata')).map((r) => r.id);
    expect(offerings.regions.map((r) => r.id)).toEqual(metadata);
    expect(offerings.regions.find((r) => r.id === 'us-ord')!.gpu).toBe(true);
    expect(offerings.regions.find((r) => r.id === 'us-east')!.gpu).toBe(false);
    expect(offerings.types.map((t) => t.id).sort()).toEqual(fakeTypes.map((t) => t.id).sort());
    for (const type of fakeTypes) {
      expect(offerings.types.find((t) => t.id === type.id)).toMatchObject({
        hourly: type.price.hourly,
        typeClass: type.class,
        gpus: type.gpus,
      });
    }
  });

  it('refuses a directory that is not empty, as init does', () => {
    const { home, wizard } = backend();
    mkdirSync(path.join(home, 'used'));
    writeFileSync(path.join(home, 'used', 'x'), 'x');
    expect(wizard.checkDirectory('used')).toBe('used is not empty.');
    expect(wizard.checkDirectory('./fresh')).toBeUndefined();
  });
});
