import { describe, expect, test } from 'vitest';
import { scaffoldTemplate } from '../../src/template/scaffold.js';
import { type Ask, promptMissing } from '../../src/template/scaffold-command.js';
import { errorsOf, validateText } from './helpers.js';

/** An Ask that replies from a script and records the questions. */
function scripted(replies: Record<string, string>): { ask: Ask; asked: string[] } {
  const asked: string[] = [];
  const ask: Ask = async (question, fallback) => {
    asked.push(question);
    const key = Object.keys(replies).find((prefix) => question.startsWith(prefix));
    return key === undefined ? fallback : replies[key]!;
  };
  return { ask, asked };
}

describe('scaffold prompts', () => {
  test('asks only for what the flags did not answer', async () => {
    const { ask, asked } = scripted({ 'Container image': 'ghcr.io/acme/api:2', 'Port inside': '9000' });
    const answers = await promptMissing({ name: 'api', displayName: 'API', gpu: false }, ask);
    expect(asked).not.toContain('Display name');
    expect(asked.some((q) => q.startsWith('NVIDIA'))).toBe(false);
    expect(answers).toMatchObject({
      image: 'ghcr.io/acme/api:2',
      internalPort: 9000,
      externalPort: 80,
      healthPath: '/health',
    });
    const { diagnostics } = validateText(scaffoldTemplate(answers)['template.yml']);
    expect(errorsOf(diagnostics)).toEqual([]);
  });

  test('Enter everywhere gives the defaults (demo server, no GPU)', async () => {
    const { ask } = scripted({});
    const answers = await promptMissing({ name: 'demo' }, ask);
    expect(answers).toMatchObject({ displayName: 'Demo', runtime: 'docker', gpu: false, healthPath: '/' });
    expect(answers.image).toBeUndefined();
  });

  test('native runtime skips the container questions', async () => {
    const { ask, asked } = scripted({ Runtime: 'native', NVIDIA: 'y' });
    const answers = await promptMissing({ name: 'n' }, ask);
    expect(answers).toMatchObject({ runtime: 'native', gpu: true });
    expect(asked.some((q) => q.startsWith('Container image'))).toBe(false);
  });

  test('a bad port answer is refused', async () => {
    const { ask } = scripted({ 'Published port': 'eighty' });
    await expect(promptMissing({ name: 'x', image: 'nginx' }, ask)).rejects.toThrow(
      /external-port must be a whole number/,
    );
  });
});
