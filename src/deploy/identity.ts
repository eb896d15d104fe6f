/**
 * Fresh per-deployment values: the deployment id, the root password and the watcher token.
 * Randomness comes from node:crypto (nanoid uses it too); nothing here is ever printed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { customAlphabet } from 'nanoid';

export const deploymentIdAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
export const newDeploymentId: () => string = customAlphabet(deploymentIdAlphabet, 8);

const classes = [
  'ABCDEFGHJKLMNPQRSTUVWXYZ',
  'abcdefghijkmnopqrstuvwxyz',
  '23456789',
  '!#%+-.:=@^_~',
] as const;

/**
 * 32 characters, at least one of each class (Linode's password-strength check wants mixed
 * classes), shuffled with a uniform Fisher–Yates. ~190 bits of entropy.
 */
export function generateRootPassword(length = 32): string {
  const all = classes.join('');
  const characters = classes.map((set) => set[randomInt(set.length)]!);
  while (characters.length < length) characters.push(all[randomInt(all.length)]!);
  for (let i = characters.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [characters[i], characters[j]] = [characters[j]!, characters[i]!];
  }
  return characters.join('');
}

/** A secret a capability declares (e.g. the watcher API token): 256 random bits, hex. */
export function generateSecretToken(): string {
  return randomBytes(32).toString('hex');
}

/** The key of a deployment's fingerprint HMACs (plan/fingerprint.ts); kept 0600 like the token. */
export function generateDigestKey(): string {
  return randomBytes(32).toString('hex');
}
