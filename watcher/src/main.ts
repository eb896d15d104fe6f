/**
 * BuildWatch entry point: `node buildwatch.mjs --token-file FILE [options]` (see args.ts).
 * Runs on the pinned Node 24 build the capability installs (capabilities/buildwatch/node.json),
 * whatever Node the image ships; the bundle is built for that line.
 */
import fs from 'node:fs';
import { ArgumentError, type DaemonOptions, parseDaemonArgs, USAGE } from './args.js';
import { TokenCheck } from './auth.js';
import { createApiServer, WATCHER_VERSION } from './server.js';
import { Watcher } from './watcher.js';

function log(message: string): void {
  process.stderr.write(`buildwatch: ${message}\n`);
}

function readToken(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArgumentError(
      `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const token = text.trim();
  if (token.length < 16) throw new ArgumentError(`the token in ${file} is shorter than 16 characters`);
  if ((fs.statSync(file).mode & 0o077) !== 0)
    log(`warning: ${file} is readable by other users; make it 0600`);
  return token;
}

function run(options: DaemonOptions): void {
  const token = new TokenCheck(readToken(options.tokenFile));
  const watcher = new Watcher({
    dockerSocket: options.dockerSocket,
    stateDir: options.stateDir,
    thresholds: options.thresholds,
    cloudInitDir: options.cloudInitDir,
    bootStatusFile: options.bootStatusFile,
    maxEvents: options.maxEvents,
    eventsMaxBytes: options.eventsMaxBytes,
    maxIssues: options.maxIssues,
    retentionDays: options.retentionDays,
    log,
    ...(options.gpu ? { gpu: options.gpu } : {}),
    idle: options.idle,
    appContainer: options.defaultContainer,
  });
  const server = createApiServer(watcher, token, {
    requestTimeoutSeconds: options.requestTimeoutSeconds,
    defaultContainer: options.defaultContainer,
    metrics: options.metrics,
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    log(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    log(`v${WATCHER_VERSION} listening on ${options.host}:${port}, Docker at ${options.dockerSocket}`);
  });
  watcher.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: saving state and stopping`);
    server.close();
    watcher.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function main(argv: readonly string[]): void {
  try {
    const options = parseDaemonArgs(argv);
    if (options === 'help') process.stdout.write(`${USAGE}\n`);
    else if (options === 'version') process.stdout.write(`${WATCHER_VERSION}\n`);
    else run(options);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    log(error.message);
    log('run with --help for the options');
    process.exit(2);
  }
}

main(process.argv.slice(2));
