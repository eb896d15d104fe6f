/**
 * A small docker template for deploy tests (convergence, kills, fingerprints, the converge
 * bench): an HTTP app with a health check, optionally one required variable (GREETING) and
 * extra capabilities — the parts a test changes to produce app- or machine-level differences.
 */
export interface AppTemplateOptions {
  readonly name?: string;
  readonly image?: string;
  readonly port?: number;
  /** `capabilities.features`, e.g. `redis`. */
  readonly features?: string;
  /** Declare the required variable GREETING and ship it to the app. */
  readonly greeting?: boolean;
}

export function appTemplateYml(options: AppTemplateOptions = {}): string {
  const greeting = options.greeting ?? true;
  return `name: ${options.name ?? 'converge-app'}
display_name: Deploy test app
version: 1.0.0
description: A tiny HTTP app for deploy tests.
capabilities:
  runtime: docker
  features: [${options.features ?? ''}]
deploy:
  target: linode
  linode:
    image: linode/ubuntu24.04
    region_default: us-ord
    type_default: g6-standard-2
    container:
      image: ${options.image ?? 'registry.example.com/app:good'}
      internal_port: 8000
      external_port: ${options.port ?? 8080}
${greeting ? `      env:\n        GREETING: \${GREETING}\n` : ''}      health:
        type: http
        path: /health
        success_codes: [200]
        initial_delay_seconds: 0
        timeout_seconds: 2
        interval_seconds: 1
        max_retries: 2
${greeting ? 'env:\n  required:\n    - name: GREETING\n      description: What the app says\n' : ''}`;
}
