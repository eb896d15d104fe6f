export { commandArgv, splitCommand } from './command.js';
export { dotenvLine, parseDotenv, renderDotenv } from './dotenv.js';
export { checkEnvValue, renderEnvFile } from './envfile.js';
export { expandString, expandWithNames, type Lookup } from './expand.js';
export { placeholderEnv, placeholderValue } from './placeholders.js';
export { declaredEnvNames, missingRequired, type ResolvedEnv, resolveEnv } from './resolve.js';
