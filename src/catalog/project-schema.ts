/**
 * The template schema for editors, inside the project. deploy.yml's modeline names it by a
 * path relative to deploy.yml (`.linode/template.schema.json`), which the YAML language server
 * resolves against the file's own directory: nothing in a checkout names an absolute path
 * (another machine, another user, a reinstall elsewhere), and there is no hosted URL to
 * version. The copy is this installation's schema, so it always matches the linode-build that
 * checks the file; `init` writes it and `plan`/`deploy` refresh it. `.linode/` is gitignored
 * by `init`, so each checkout gets its own copy with its first command.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { readFileIfExists, writeFileAtomic } from '../state/atomic.js';
import { PROJECT_STATE_DIRECTORY } from '../state/project.js';

/** The copy's path relative to the project, with `/` (the modeline's spelling on every OS). */
export const PROJECT_SCHEMA_FILE = `${PROJECT_STATE_DIRECTORY}/template.schema.json`;

/** The schema shipped with this installation. */
export function packagedSchemaText(): string {
  return readFileSync(path.join(packageRoot(), 'schema', 'template.schema.json'), 'utf8');
}

/**
 * Makes the project's copy equal to this installation's schema. Best effort: it only helps
 * editors, so a read-only project or any other failure is ignored.
 */
export async function refreshProjectSchema(projectDir: string): Promise<void> {
  try {
    const file = path.join(projectDir, PROJECT_SCHEMA_FILE);
    const wanted = packagedSchemaText();
    if ((await readFileIfExists(file)) === wanted) return;
    await writeFileAtomic(file, wanted, { mode: 0o644 });
  } catch {
    // Editors then show "schema not found" until the next command; nothing else depends on it.
  }
}
