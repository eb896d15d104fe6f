/**
 * YAML for cloud-init's reader, PyYAML (YAML 1.1), written by js-yaml's `dump`. Its default
 * dump schema quotes every string that YAML 1.1 or 1.2 would read as something else (`yes`,
 * `on`, `0644`, `1:20`, `null` … stay strings), and its escaping of what
 * PyYAML does not read raw (C0/C1 controls, U+0085, U+2028/U+2029, U+FEFF, U+FFFE) hold up
 * in the round-trip tests through PyYAML itself (test/quote/quote.test.ts, and the planner's
 * fuzz test in test/conformance/fuzz.test.ts). The `yaml` package, which reads templates, is
 * not used to write here: its stringifier leaves some of those characters raw.
 *
 * Options: no line folding (scripts and base64 payloads stay byte-exact on their lines), no
 * anchors for repeated values.
 */
import { dump } from 'js-yaml';

export type YamlValue = string | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 cannot encode a lone surrogate; js-yaml would escape one that PyYAML then refuses. */
function assertWellFormed(value: YamlValue): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value))
      throw new Error('text contains a lone UTF-16 surrogate, which UTF-8 cannot encode');
  } else if (Array.isArray(value)) {
    for (const item of value) assertWellFormed(item);
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertWellFormed(key);
      assertWellFormed(item);
    }
  }
}

/** A YAML 1.1 document body (no directives) for a mapping or sequence, ending with a newline. */
export function yamlDocument(value: { readonly [key: string]: YamlValue } | readonly YamlValue[]): string {
  assertWellFormed(value as YamlValue);
  return dump(value, { lineWidth: -1, noRefs: true });
}
