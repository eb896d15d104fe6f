/**
 * `init --region/--type` checked before anything is written: against the API's lists
 * when a token is set (through the day-long cache the client keeps), else against that cache
 * if it is fresh. An unknown value is a usage error naming the flag, with the closest id.
 * With neither a token nor a fresh cache nothing can be checked offline: init still works
 * (it needs no account), says in one line which value it could not check, and leaves it to
 * plan/deploy, which check it against the API before anything is created.
 */
import { isCliError, UsageError } from '../errors.js';
import { apiBaseUrlFromEnv, defaultApiOrigin } from '../linode/api.js';
import { cacheFile, offeringsTtlMs, readFresh } from '../linode/cache.js';
import { linodeTokenIfAny } from '../linode/token.js';
import { checkFlagsAgainst, checkFlagValues, type FlagValues } from './preflight.js';

type Offering = readonly { id: string }[];

/** The sentence for values that could not be checked, or undefined when all were. */
export async function checkInitFlagValues(
  env: NodeJS.ProcessEnv,
  flags: FlagValues,
  now = Date.now(),
): Promise<string | undefined> {
  if (flags.region === undefined && flags.type === undefined) return undefined;
  let apiProblem: string | undefined;
  if (linodeTokenIfAny(env)) {
    try {
      const { LinodeClient } = await import('../linode/client.js');
      await checkFlagValues(await LinodeClient.connect(env), flags);
      return undefined;
    } catch (error) {
      if (error instanceof UsageError || !isCliError(error)) throw error;
      // The API could not answer (offline, a revoked token…): the cache may still know.
      apiProblem = `the API could not be asked (${error.message.replace(/\.$/, '')})`;
    }
  }
  const origin = apiBaseUrlFromEnv(env) ?? defaultApiOrigin;
  const read = (name: string) => readFresh<Offering>(cacheFile(env, name, origin), offeringsTtlMs, now);
  const [regions, types] = await Promise.all([
    flags.region === undefined ? undefined : read('regions'),
    flags.type === undefined ? undefined : read('types'),
  ]);
  checkFlagsAgainst({ ...(regions ? { regions } : {}), ...(types ? { types } : {}) }, flags);
  const unchecked = [
    ...(flags.region !== undefined && !regions ? [`--region ${flags.region}`] : []),
    ...(flags.type !== undefined && !types ? [`--type ${flags.type}`] : []),
  ];
  if (unchecked.length === 0) return undefined;
  const why = apiProblem ?? 'no API token is set and no recent list from the API is cached';
  return `${unchecked.join(' and ')} could not be checked: ${why}; plan and deploy check it against the API.`;
}
