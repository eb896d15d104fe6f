/** The CLI proper, loaded by main.ts once Node's compile cache is on. */
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { exitQuietlyOnClosedPipe } from './framework/pipes.js';
import { runCli } from './framework/run.js';

exitQuietlyOnClosedPipe();
const code = await runCli({ argv: process.argv.slice(2), commands, version: VERSION });
process.exitCode = code;
