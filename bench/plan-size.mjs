// User-data bytes per bundled template and their share of Linode's 65,535-byte limit
// (metadata.user_data, before base64). Sizes, not timings: one run is exact.
//
// Run: npm run build && node bench/plan-size.mjs
import { isMain } from './fake-api.mjs';
import { allUserData, USER_DATA_LIMIT } from './userdata.mjs';

/** Table rows: metric, measured, target, met. */
export function planSizeRows(plans = allUserData()) {
  return plans.map((plan) => [
    `user-data size, ${plan.name}`,
    `${plan.bytes.toLocaleString('en-US')} bytes (${((plan.bytes / USER_DATA_LIMIT) * 100).toFixed(1)} % of the limit)`,
    `<= ${USER_DATA_LIMIT.toLocaleString('en-US')} bytes`,
    plan.bytes <= USER_DATA_LIMIT,
  ]);
}

if (isMain(import.meta.url)) {
  for (const row of planSizeRows()) console.log(`${row[0]}: ${row[1]}`);
}
