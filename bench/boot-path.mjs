// Boot critical path, read statically from each bundled template's plan (the exact user-data,
// its write_files decoded): nothing is booted, so the figures are exact for the model below.
//   - apt index refreshes on the success path (target <= 2): the steps are walked in manifest
//     order; `apt-update` (and `apt-install`, which calls it) refreshes only when the lists are
//     stale: before the first refresh, or after a step added an apt source. `apt-update --force`
//     and a bare `apt-get update` always refresh.
//   - fixed sleeps longer than 5 s (target 0): a `sleep` whose argument (resolved from the
//     step's .env, /etc/linode-build/app.conf or the script's own assignments) exceeds 5 s and
//     that runs unconditionally (top level of a script), or a literal one anywhere. Sleeps
//     whose variable grows inside a retry loop are backoff on failure only and listed apart.
//   - whether the image pull overlaps the GPU driver install: the runner's step order and
//     whether it runs anything in the background.
//
// Run: npm run build && node bench/boot-path.mjs
import { isMain } from './fake-api.mjs';
import { allUserData } from './userdata.mjs';

const LIB = '/usr/local/lib/linode-build';

function manifestSteps(files) {
  const manifest = files.get(`${LIB}/steps/manifest.tsv`);
  if (!manifest) throw new Error('user-data has no step manifest');
  return manifest
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, capability, name] = line.split('\t');
      return { id, capability, name, script: files.get(`${LIB}/steps/${id}.sh`) ?? '' };
    });
}

/** NAME=value pairs from a step .env (export NAME='v') or app.conf (NAME=v). */
function assignments(text) {
  const values = new Map();
  // `${NAME:-default}` resolves to its default (the step .env did not set NAME).
  for (const match of (text ?? '').matchAll(/^(?:export\s+)?([A-Za-z_]\w*)=['"]?([^'"\n]*)['"]?$/gm))
    values.set(match[1], /^\$\{\w+:-([^}]*)\}$/.exec(match[2])?.[1] ?? match[2]);
  return values;
}

/** Code lines (no comments) of a script. */
const codeLines = (text) => text.split('\n').filter((line) => !/^\s*#/.test(line));

/** apt-index refreshes along the success path of the boot, walking the steps in order. */
export function aptRefreshes(files) {
  let stale = true;
  let refreshes = 0;
  const where = [];
  for (const step of manifestSteps(files)) {
    // Variables holding a helper path (apt_update="$lib/apt-update") call it too.
    const aliases = { update: ['apt-update'], install: ['apt-install'] };
    for (const match of step.script.matchAll(/^\s*([A-Za-z_]\w*)=.*apt-(update|install)/gm))
      aliases[match[2]].push(`$${match[1]}`, `\${${match[1]}}`);
    for (const line of codeLines(step.script)) {
      if (/^\s*[A-Za-z_]\w*=/.test(line)) continue;
      const calls = (kind) => aliases[kind].some((alias) => line.includes(alias));
      if (/add-apt-repository|sources\.list/.test(line)) stale = true;
      const forced = /apt-get\s+(-\S+\s+)*update/.test(line) || (calls('update') && line.includes('--force'));
      if (forced || ((calls('update') || calls('install')) && stale)) {
        refreshes++;
        where.push(step.id);
        stale = false;
      }
    }
  }
  return { refreshes, where };
}

/** Sleeps in every script the boot runs (runner, helpers, steps, hooks). */
export function sleeps(files) {
  const conf = assignments(files.get('/etc/linode-build/app.conf'));
  const found = [];
  for (const [file, text] of files) {
    if (!file.startsWith(LIB) || file.endsWith('.py') || file.endsWith('.env') || file.endsWith('.tsv'))
      continue;
    const local = new Map([
      ...conf,
      ...assignments(files.get(file.replace(/\.sh$/, '.env'))),
      ...assignments(text),
    ]);
    for (const line of codeLines(text)) {
      const match = /^(\s*)(?:.*[;&|]\s*)?sleep\s+"?\$?\{?([A-Za-z_]\w*|[\d.]+)\}?"?/.exec(line);
      if (!match) continue;
      const [, indent, argument] = match;
      const literal = /^[\d.]+$/.test(argument);
      const seconds = Number(literal ? argument : local.get(argument));
      const backoff = !literal && new RegExp(`\\b${argument}=\\$\\(\\(`).test(text);
      const fixed = !backoff && seconds > 5 && (literal || indent.length === 0);
      found.push({ file: file.slice(LIB.length + 1), argument, seconds, backoff, fixed });
    }
  }
  return found;
}

/** Whether the app image pull can run while the GPU driver installs. */
export function pullOverlapsDriver(files) {
  const steps = manifestSteps(files);
  const driver = steps.findIndex((step) => step.capability === 'gpu-nvidia' && /driver/.test(step.name));
  if (driver === -1) return { applicable: false };
  const pull = steps.findIndex((step) => /pull-image|docker pull/.test(step.script));
  const runner = files.get(`${LIB}/boot-runner`) ?? '';
  // A background job (`cmd &`) in the runner or in any step up to the driver would overlap.
  const background = (text) => codeLines(text).some((line) => /[^&]&\s*$/.test(line) && !/&&\s*$/.test(line));
  const early = steps
    .slice(0, driver + 1)
    .some((step) => /pull/.test(step.script) && background(step.script));
  return {
    applicable: true,
    overlaps: background(runner) || early || (pull !== -1 && pull < driver),
    pullStep: steps[pull]?.id,
    driverStep: steps[driver].id,
  };
}

/** Table rows: metric, measured, target, met. */
export function bootPathRows(plans = allUserData()) {
  const rows = [];
  for (const plan of plans) {
    const apt = aptRefreshes(plan.files);
    rows.push([
      `apt index refreshes, ${plan.name}`,
      `${apt.refreshes} (${apt.where.join(', ') || 'none'})`,
      '<= 2',
      apt.refreshes <= 2,
    ]);
    const all = sleeps(plan.files);
    const fixed = all.filter((s) => s.fixed);
    const backoff = all.filter((s) => s.backoff).length;
    rows.push([
      `fixed sleeps > 5 s, ${plan.name}`,
      `${fixed.length}${fixed.length ? ` (${fixed.map((s) => `${s.file}: sleep ${s.seconds} s`).join('; ')})` : ''}; ${backoff} backoff sleep(s) on retry only`,
      '0',
      fixed.length === 0,
    ]);
    const overlap = pullOverlapsDriver(plan.files);
    if (overlap.applicable)
      rows.push([
        `image pull overlaps GPU driver install, ${plan.name}`,
        overlap.overlaps
          ? 'yes'
          : `no: ${overlap.pullStep} runs after ${overlap.driverStep}, one step at a time`,
        'report (overlap would save the pull time)',
        'n/a',
      ]);
  }
  return rows;
}

if (isMain(import.meta.url)) {
  for (const row of bootPathRows()) console.log(`${row[0]}: ${row[1]}  [target ${row[2]}]`);
}
