/** Shared helpers for the template tests: validate YAML text the way the CLI does. */
import { capabilityKnowledge } from '../../src/capability/knowledge.js';
import type { Diagnostic, Template } from '../../src/template/types.js';
import { validateTemplateText } from '../../src/template/validate.js';

export function validateText(
  text: string,
  file = 'template.yml',
): { template?: Template; diagnostics: Diagnostic[] } {
  return validateTemplateText(text, { ...capabilityKnowledge(), file });
}

export const errorsOf = (diagnostics: readonly Diagnostic[]) =>
  diagnostics.filter((d) => d.severity === 'error');
export const warningsOf = (diagnostics: readonly Diagnostic[]) =>
  diagnostics.filter((d) => d.severity === 'warning');

/** A small valid template; tests change one thing at a time. */
export const BASE_TEMPLATE = `name: demo
display_name: Demo
version: 1.0.0
description: A demo.
capabilities:
  runtime: docker
  features:
    - buildwatch
deploy:
  target: linode
  linode:
    image: linode/ubuntu24.04
    region_default: us-ord
    type_default: g6-standard-2
    container:
      image: nginx:1.27
      internal_port: 8080
      external_port: 80
      health:
        type: http
        path: /health
env:
  required:
    - name: API_KEY
      description: The key.
  optional: []
`;
