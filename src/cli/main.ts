/** Entry point of the bundled CLI (dist/cli.js). */
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { runCli } from './framework/run.js';

const code = await runCli({ argv: process.argv.slice(2), commands, version: VERSION });
process.exitCode = code;
