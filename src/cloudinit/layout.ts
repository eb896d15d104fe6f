/** Where linode-build puts things on the instance (documented in docs/plan.md). */
export const LIB_DIR = '/usr/local/lib/linode-build';
export const STEPS_DIR = `${LIB_DIR}/steps`;
export const HOOKS_DIR = `${LIB_DIR}/hooks`;
export const ETC_DIR = '/etc/linode-build';
export const STATE_DIR = '/var/lib/linode-build';
export const LOG_DIR = '/var/log/linode-build';
export const MANIFEST_PATH = `${STEPS_DIR}/manifest.tsv`;
export const PACKAGES_LIST_PATH = `${STEPS_DIR}/packages.tsv`;
export const BOOT_STATUS_PATH = `${STATE_DIR}/boot-status.json`;
export const APP_ENV_PATH = `${ETC_DIR}/app.env`;
export const APP_CONF_PATH = `${ETC_DIR}/app.conf`;
export const APP_UNIT = 'linode-build-app.service';
export const METADATA_BLOCK_UNIT = 'linode-build-metadata-block.service';
export const SYSTEMD_DIR = '/etc/systemd/system';
export const CONTAINER_NAME = 'app';
