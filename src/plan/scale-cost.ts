/**
 * What a deployment costs, resource by resource, from the API's price lists (the instance
 * types' and the NodeBalancer types'), with region-specific prices where the API has them.
 * Pure: prices in, lines and a total out. A price the API did not give stays unknown and makes
 * the total unknown: a guess is never shown as a price.
 */

export interface Price {
  readonly hourly: number;
  readonly monthly?: number;
}

export interface CostLine {
  /** What is billed, e.g. `3 × g6-standard-2`. */
  readonly resource: string;
  readonly count: number;
  /** For all `count` of them; undefined when the API gave no price. */
  readonly hourly?: number;
  readonly monthly?: number;
}

export interface CostSheet {
  readonly lines: readonly CostLine[];
  /** Undefined when any line's price is unknown. */
  readonly total?: { readonly hourly: number; readonly monthly?: number };
}

/** Money in dollars to a tenth of a cent, so sums of per-hour prices do not print float noise. */
function round(dollars: number): number {
  return Math.round(dollars * 10_000) / 10_000;
}

function times(price: Price | undefined, count: number): Pick<CostLine, 'hourly' | 'monthly'> {
  if (!price) return {};
  return {
    hourly: round(price.hourly * count),
    ...(price.monthly !== undefined ? { monthly: round(price.monthly * count) } : {}),
  };
}

export interface CostInput {
  readonly type: string;
  readonly replicas: number;
  readonly instancePrice?: Price;
  /** Absent for a single instance (no NodeBalancer). */
  readonly nodeBalancerPrice?: Price;
}

export function costSheet(input: CostInput): CostSheet {
  const lines: CostLine[] = [
    {
      resource: `${input.replicas} × ${input.type}`,
      count: input.replicas,
      ...times(input.instancePrice, input.replicas),
    },
  ];
  if (input.replicas > 1) {
    lines.push({ resource: 'NodeBalancer', count: 1, ...times(input.nodeBalancerPrice, 1) });
    // Linode bills neither placement groups nor Cloud Firewalls.
    for (const free of ['placement group', '2 Cloud Firewalls']) {
      lines.push({ resource: free, count: 1, hourly: 0, monthly: 0 });
    }
  }
  if (lines.some((line) => line.hourly === undefined)) return { lines };
  const hourly = round(lines.reduce((sum, line) => sum + (line.hourly ?? 0), 0));
  const monthlyKnown = lines.every((line) => line.monthly !== undefined);
  const monthly = round(lines.reduce((sum, line) => sum + (line.monthly ?? 0), 0));
  return { lines, total: { hourly, ...(monthlyKnown ? { monthly } : {}) } };
}
