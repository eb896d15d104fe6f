/**
 * What is sent as `metadata.user_data` (before base64): the #cloud-config document itself, or
 * its gzip. cloud-init gunzips gzip user-data before reading it (any datasource), so the
 * document's text costs a third of its bytes against Linode's 65,535-byte limit. On Linode
 * that needs cloud-init 24.4 or newer: older Akamai datasources decoded user-data as UTF-8
 * text and fail on gzip (canonical/cloud-init#5751). Linode's Ubuntu 22.04+ images have it
 * (cloud-init is updated in every supported Ubuntu release); for any other image, such as a
 * private image captured from an older system, the document is sent as plain text.
 */
import { gzipSync } from 'node:zlib';

export type UserDataEncoding = 'gzip' | 'plain';

const GZIP_IMAGES = /^linode\/ubuntu(2[2-9]|[3-9]\d)\.\d{2}$/;

/** How user-data is sent for an image when the template does not say. */
export function defaultUserDataEncoding(image: string): UserDataEncoding {
  return GZIP_IMAGES.test(image) ? 'gzip' : 'plain';
}

/** gzip with the header's OS byte pinned to Unix, so the bytes do not depend on the build host. */
export function gzipBytes(raw: Buffer | string, level = 9): Buffer {
  const packed = gzipSync(raw, { level });
  packed[9] = 3;
  return packed;
}

export function gzipBase64(raw: Buffer | string): string {
  return gzipBytes(raw).toString('base64');
}

/**
 * The exact bytes Linode receives as user-data (before base64). Level 6: on the largest
 * template 0.3 % more bytes than level 9 for about half the time, which `plan` start-up feels.
 */
export function userDataPayload(document: string, encoding: UserDataEncoding): Buffer {
  return encoding === 'gzip' ? gzipBytes(document, 6) : Buffer.from(document, 'utf8');
}
