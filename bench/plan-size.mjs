// User-data bytes per bundled template and their share of Linode's 65,535-byte limit
// (metadata.user_data, before base64). Sizes, not timings: one run is exact.
//
// Run: npm run build && node bench/plan-size.mjs
import { isMain } from './fake-api.mjs';
import { allUserData, USER_DATA_LIMIT } from './userdata.mjs';

/** The whole user-data of the largest bundled template stays under this (BuildWatch issue). */
export const LARGEST_TARGET = 32 * 1024;

const number = (value) => value.toLocaleString('en-US');

/** Table rows: metric, measured, target, met. */
export function planSizeRows(plans = allUserData()) {
  const rows = plans.map((plan) => [
    `user-data size, ${plan.name}`,
    `${number(plan.bytes)} bytes sent (${((plan.bytes / USER_DATA_LIMIT) * 100).toFixed(1)} % of the limit)${
      plan.encoding === 'gzip' ? `, gzip of a ${number(plan.documentBytes)}-byte document` : ''
    }`,
    `<= ${number(USER_DATA_LIMIT)} bytes`,
    plan.bytes <= USER_DATA_LIMIT,
  ]);
  const largest = plans.reduce((a, b) => (b.documentBytes > a.documentBytes ? b : a));
  rows.push([
    `user-data sent, largest template (${largest.name})`,
    `${number(largest.bytes)} bytes (${((largest.bytes / LARGEST_TARGET) * 100).toFixed(1)} % of 32 KiB)`,
    `<= ${number(LARGEST_TARGET)} bytes`,
    largest.bytes <= LARGEST_TARGET,
  ]);
  return rows;
}

if (isMain(import.meta.url)) {
  for (const row of planSizeRows()) console.log(`${row[0]}: ${row[1]}`);
}
