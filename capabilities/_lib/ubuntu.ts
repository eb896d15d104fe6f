/** Facts about the images (Ubuntu, and Debian 12) the built-in capabilities support. */

export const UBUNTU_22_04 = 'linode/ubuntu22.04';
export const UBUNTU_24_04 = 'linode/ubuntu24.04';
/**
 * Ubuntu 26.04 LTS ("resolute"): Python 3.14, PostgreSQL 18, docker.io 29.1 in its archive;
 * the NVIDIA 570-server packages there are transitional packages to 580-server. Not booted by
 * the tests (this machine reaches only Debian's archive): what each capability relies on was
 * checked against the archive's package pages and the third-party repositories' own notes,
 * listed in docs/capabilities.md (*Image support*).
 */
export const UBUNTU_26_04 = 'linode/ubuntu26.04';
export const DEBIAN_12 = 'linode/debian12';

/** Ubuntu images: what capabilities built on Ubuntu-only repositories (PPAs, CUDA) support. */
export const SUPPORTED_UBUNTU_IMAGES: readonly string[] = [UBUNTU_22_04, UBUNTU_24_04, UBUNTU_26_04];

/**
 * Ubuntu and Debian 12: for capabilities with per-image knowledge (PostgreSQL's native version).
 * Capabilities that only install from the image's own archive have no restriction. Debian 12 is
 * booted for real in CI (test/boot/).
 */
export const SUPPORTED_IMAGES: readonly string[] = [...SUPPORTED_UBUNTU_IMAGES, DEBIAN_12];

/** Keyserver used for keys pinned by full fingerprint (cloud-init fetches them at boot). */
export const UBUNTU_KEYSERVER = 'keyserver.ubuntu.com';

/**
 * For capabilities with one version per Ubuntu release in the archive (PostgreSQL, Python):
 * which images ship `version` natively (as markdown code spans for the docs), and whether a
 * given image needs the third-party repository for it.
 */
export function nativeVersions<Version>(nativeByImage: Readonly<Record<string, Version>>) {
  return {
    imagesShipping: (version: Version): string[] =>
      Object.entries(nativeByImage)
        .filter(([, native]) => native === version)
        .map(([image]) => `\`${image}\``),
    isNative: (image: string, version: Version): boolean => nativeByImage[image] === version,
  };
}
