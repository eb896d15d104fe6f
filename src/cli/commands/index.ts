/**
 * The command table. Each entry is a light definition; its handler imports the domain
 * function on use. To add a command: create `src/cli/commands/<name>.ts` (commandSpec + a thin
 * defineCommand handler that lazily imports `src/<domain>/<name>-command.ts`) and add it here.
 */
import type { AnyCommand } from '../framework/command.js';
import { completionCommand } from './completion.js';
import { deployCommand } from './deploy.js';
import { destroyCommand } from './destroy.js';
import { initCommand } from './init.js';
import { logsCommand } from './logs.js';
import { planCommand } from './plan.js';
import { reapCommand } from './reap.js';
import { sshCommand } from './ssh.js';
import { statusCommand } from './status.js';
import { templatesBootTestCommand } from './templates-boot-test.js';
import { templatesInstallCommand } from './templates-install.js';
import { templatesListCommand } from './templates-list.js';
import { templatesScaffoldCommand } from './templates-scaffold.js';
import { templatesShowCommand } from './templates-show.js';
import { templatesUninstallCommand } from './templates-uninstall.js';
import { templatesValidateCommand } from './templates-validate.js';
import { tuiCommand } from './tui.js';
import { versionCommand } from './version.js';

export const commands: readonly AnyCommand[] = [
  initCommand,
  planCommand,
  deployCommand,
  statusCommand,
  logsCommand,
  sshCommand,
  destroyCommand,
  reapCommand,
  templatesListCommand,
  templatesShowCommand,
  templatesValidateCommand,
  templatesBootTestCommand,
  templatesScaffoldCommand,
  templatesInstallCommand,
  templatesUninstallCommand,
  tuiCommand,
  completionCommand,
  versionCommand,
];
