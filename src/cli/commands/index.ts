/**
 * The command table. Each entry is a light definition; its handler loads on use.
 * To add a command: create `src/cli/commands/<name>.ts` with defineCommand and add it here.
 */
import type { AnyCommand } from '../framework/command.js';
import { versionCommand } from './version.js';

export const commands: readonly AnyCommand[] = [versionCommand];
