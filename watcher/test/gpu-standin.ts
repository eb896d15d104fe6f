/**
 * A stand-in `nvidia-smi` for tests (there is no GPU here): a shell script the tests put first
 * on the watcher's PATH. It answers with the sample file the test chose (fixtures/nvidia-smi/),
 * or behaves as a broken driver would: hangs, fails with the driver's message, or rejects the
 * current throttle field's name as drivers before 530 do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixtureDir } from './helpers.js';

export type StandInMode = 'answer' | 'hang' | 'fail' | 'old-driver';

const SCRIPT = `#!/bin/sh
dir=$(dirname "$0")
printf '%s\\n' "$*" >> "$dir/calls"
mode=$(cat "$dir/mode")
case "$mode" in
  hang) exec sleep 600 ;;
  fail)
    echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
    exit 9 ;;
  old-driver)
    case "$*" in
      *clocks_event_reasons*) echo 'Field "clocks_event_reasons.active" is not a valid field to query.'; exit 2 ;;
    esac ;;
esac
cat "$dir/sample.csv"
`;

export interface StandInSmi {
  /** The directory to put first on PATH. */
  readonly dir: string;
  /** Answer with fixtures/nvidia-smi/<name>.csv from the next call on. */
  answer(sample: string): void;
  mode(mode: StandInMode): void;
  /** The argument lines of every call so far. */
  calls(): string[];
}

export function standInSmi(): StandInSmi {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-smi-'));
  fs.writeFileSync(path.join(dir, 'nvidia-smi'), SCRIPT, { mode: 0o755 });
  const standIn: StandInSmi = {
    dir,
    answer(sample) {
      // Replaced by rename: a call running now reads the old file or the new one, never half.
      fs.copyFileSync(path.join(fixtureDir, 'nvidia-smi', `${sample}.csv`), path.join(dir, 'sample.tmp'));
      fs.renameSync(path.join(dir, 'sample.tmp'), path.join(dir, 'sample.csv'));
      standIn.mode('answer');
    },
    mode(mode) {
      fs.writeFileSync(path.join(dir, 'mode.tmp'), mode);
      fs.renameSync(path.join(dir, 'mode.tmp'), path.join(dir, 'mode'));
    },
    calls: () => {
      try {
        return fs.readFileSync(path.join(dir, 'calls'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
  standIn.answer('two-gpus');
  return standIn;
}
