/** The template engine's public API. */
export { countBySeverity, formatDiagnostic, formatDiagnostics } from './diagnostics.js';
export {
  checkTemplateFile,
  type LoadOptions,
  loadTemplateFile,
  resolveInside,
  TemplateError,
} from './load.js';
export { DEFAULTS, titleCase } from './normalize.js';
export {
  childPath,
  type FieldPosition,
  MAX_ALIAS_COUNT,
  MAX_TEMPLATE_BYTES,
  type PositionMap,
  parseTemplateText,
} from './parse.js';
export {
  type DeployOverrides,
  GITIGNORE_ENTRIES,
  mergeGitignore,
  renderDeployFile,
  renderEnvExample,
  renderProjectReadme,
  schemaModeline,
} from './project.js';
export { EXAMPLE_GPU_PLANS, GPU_PLAN_PATTERN, gpuPlanProblem, isGpuPlan, isSemver } from './rules.js';
export {
  completeAnswers,
  DEMO_IMAGE,
  type ScaffoldAnswers,
  type ScaffoldFiles,
  scaffoldTemplate,
} from './scaffold.js';
export type * from './types.js';
export {
  type ValidateOptions,
  type ValidationResult,
  validateTemplate,
  validateTemplateText,
} from './validate.js';
