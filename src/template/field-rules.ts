/**
 * The rules for template fields that a command-line flag can override, read from the template
 * schema itself, so `--app-name`, `--region`, `--type`, `--image` and `init`'s flags accept
 * exactly what `app_name`, `region_default`, `type_default` and `image` accept in a template
 * (the original interpolated an unchecked app name into a systemd unit).
 */
import templateSchema from '../../schema/template.schema.json';

export interface FieldRule {
  /** The template field the rule comes from, for messages. */
  readonly field: string;
  readonly pattern: RegExp;
  /** What a valid value looks like, said to the user. */
  readonly expected: string;
}

function rule(field: string, node: { readonly pattern: string }, expected: string): FieldRule {
  return { field, pattern: new RegExp(node.pattern, 'u'), expected };
}

const linode = templateSchema.definitions.linode.properties;

export const APP_NAME_RULE = rule(
  'app_name',
  templateSchema.properties.app_name,
  "lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters (e.g. my-chatbot)",
);
/** Environment names share the app name's rule: both go into labels, tags and the unit. */
export const ENV_NAME_RULE: FieldRule = APP_NAME_RULE;
export const REGION_RULE = rule(
  'deploy.linode.region_default',
  linode.region_default,
  "a Linode region id: lowercase letters, digits and '-' (e.g. us-ord)",
);
export const TYPE_RULE = rule(
  'deploy.linode.type_default',
  linode.type_default,
  "a Linode type id: lowercase letters, digits and '-' (e.g. g6-standard-2)",
);
export const IMAGE_RULE = rule(
  'deploy.linode.image',
  linode.image,
  "a Linode image id: letters, digits, '.', '_', '/' and '-' (e.g. linode/ubuntu24.04)",
);

export function followsRule(value: string, fieldRule: FieldRule): boolean {
  return fieldRule.pattern.test(value);
}
