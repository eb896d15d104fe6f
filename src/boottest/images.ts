/**
 * Which local root filesystem stands in for which Linode image: debootstrap of the same
 * release from the distribution's own archive. Only Debian's archive is reachable from CI, so
 * CI boots Debian 12; Ubuntu images boot the same way on a machine that reaches Ubuntu's.
 */
export interface BootImage {
  readonly image: string;
  readonly suite: string;
  readonly mirror: string;
  /** The keyring debootstrap verifies the archive with (from the host's keyring package). */
  readonly keyring: string;
  readonly keyringPackage: string;
  /** Packages the image has that a minbase debootstrap does not (cloud-init and what it runs). */
  readonly packages: readonly string[];
}

/** What every Linode image with cloud-init has, and what the boot itself needs. */
const COMMON = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'cloud-init',
  'iproute2',
  'ca-certificates',
  'curl',
  'locales',
];

export const BOOT_IMAGES: readonly BootImage[] = [
  {
    image: 'linode/debian12',
    suite: 'bookworm',
    mirror: 'http://deb.debian.org/debian',
    keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
    keyringPackage: 'debian-archive-keyring',
    // debootstrap cannot resolve the virtual python3-cffi-backend-api-* cloud-init needs.
    // docker-registry (disabled unless a boot enables it) lets a guest pull images without a
    // public registry: the boot tests serve their test image from it on 127.0.0.1:5000.
    packages: [...COMMON, 'python3-cffi-backend', 'docker-registry'],
  },
  {
    image: 'linode/ubuntu22.04',
    suite: 'jammy',
    mirror: 'http://archive.ubuntu.com/ubuntu',
    keyring: '/usr/share/keyrings/ubuntu-archive-keyring.gpg',
    keyringPackage: 'ubuntu-keyring',
    packages: COMMON,
  },
  {
    image: 'linode/ubuntu24.04',
    suite: 'noble',
    mirror: 'http://archive.ubuntu.com/ubuntu',
    keyring: '/usr/share/keyrings/ubuntu-archive-keyring.gpg',
    keyringPackage: 'ubuntu-keyring',
    packages: COMMON,
  },
];

export function bootImage(image: string): BootImage | undefined {
  return BOOT_IMAGES.find((candidate) => candidate.image === image);
}
