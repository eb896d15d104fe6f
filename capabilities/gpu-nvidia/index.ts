import { defineCapability } from '../../src/capability/define.js';
import type { AptSource, Fragments, SetupStep } from '../../src/capability/types.js';
import { SUPPORTED_UBUNTU_IMAGES, UBUNTU_KEYSERVER } from '../_lib/ubuntu.js';
import checkGpuScript from './check-gpu.sh?raw';
import configureDockerScript from './configure-docker.sh?raw';
import installDriverScript from './install-driver.sh?raw';
import loadDriverScript from './load-driver.sh?raw';

export interface GpuNvidiaConfig {
  readonly driver_branch: string;
}

/**
 * NVIDIA's libnvidia-container repository (the container toolkit). Key: "NVIDIA CORPORATION
 * (Open Source Projects) <cudatools@nvidia.com>", pinned by full fingerprint.
 */
export const nvidiaContainerToolkitSource: AptSource = {
  name: 'nvidia-container-toolkit',
  source: 'deb [signed-by=$KEY_FILE] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /',
  keyid: 'C95B321B61E88C1809C4F759DDCAE044F796ECB0',
  keyserver: UBUNTU_KEYSERVER,
};

const BLACKLIST_NOUVEAU =
  '# Written by linode-build (gpu-nvidia): the NVIDIA driver needs the GPU.\nblacklist nouveau\noptions nouveau modeset=0\n';

export default defineCapability<GpuNvidiaConfig>({
  name: 'gpu-nvidia',
  kind: 'feature',
  summary: 'NVIDIA server driver for the running kernel, nvidia-smi verified, container toolkit for Docker.',
  description: [
    'Installs an NVIDIA **server** driver branch (`driver_branch`, default `570`) for the',
    "kernel that is actually running: Ubuntu's prebuilt, signed module package for",
    "`$(uname -r)` when the archive has one, otherwise the DKMS build against that kernel's",
    'headers. The module is loaded (`modprobe nvidia`, bounded retries) and `nvidia-smi` must',
    'succeed; there is no reboot. `nouveau` is blacklisted once through',
    '`/etc/modprobe.d/blacklist-nouveau.conf`, unloaded if this boot loaded it, and the',
    'initramfs is rebuilt only when it still carries it.',
    '',
    "On Ubuntu 26.04 the archive's `570-server` packages are transitional packages that install",
    "the `580-server` branch: set `driver_branch: '580'` there to name what is installed.",
    '',
    "With the `docker` runtime, the NVIDIA container toolkit comes from NVIDIA's signed apt",
    'repository (key pinned by fingerprint), `nvidia-ctk runtime configure --runtime=docker`',
    'registers the runtime, Docker is restarted and must list `nvidia`, and the app container',
    'gets `--gpus all`.',
    '',
    'A first step checks that the instance has an NVIDIA device at all, so a standard (non-GPU)',
    'plan fails with that reason. Every failure is recorded by the boot runner and stops the',
    'app from starting on a broken base.',
  ].join('\n'),
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      driver_branch: {
        type: 'string',
        pattern: '^[0-9]{3}$',
        default: '570',
        description: 'NVIDIA driver branch; the `-server` packages of this branch are installed.',
      },
    },
  },
  example: [
    'capabilities:',
    '  runtime: docker',
    '  features:',
    '    - name: gpu-nvidia',
    '      config:',
    "        driver_branch: '570'",
    'deploy:',
    '  linode:',
    '    image: linode/ubuntu24.04',
    '    type_default: g2-gpu-rtx4000a1-s',
  ].join('\n'),
  requires: (_config, { runtime }) => (runtime === 'docker' ? ['docker'] : []),
  after: ['docker'],
  images: SUPPORTED_UBUNTU_IMAGES,
  fragments: (config, context): Fragments => {
    const withDocker = context.capabilities.has('docker');
    const steps: SetupStep[] = [
      {
        name: 'check-gpu',
        description: 'Check the instance has an NVIDIA GPU',
        script: checkGpuScript,
        env: { INSTANCE_TYPE: context.type },
      },
      {
        name: 'install-driver',
        description: `Install the NVIDIA ${config.driver_branch}-server driver for the running kernel`,
        script: installDriverScript,
        env: { DRIVER_BRANCH: config.driver_branch },
      },
      {
        name: 'load-driver',
        description: 'Load the NVIDIA module and verify nvidia-smi',
        script: loadDriverScript,
        env: { MODPROBE_ATTEMPTS: '5', SMI_ATTEMPTS: '5' },
      },
    ];
    if (withDocker) {
      steps.push({
        name: 'configure-docker',
        description: 'Register the NVIDIA runtime with Docker and verify it',
        script: configureDockerScript,
        env: { DOCKER_WAIT_SECONDS: '120' },
      });
    }
    return {
      packages: withDocker ? ['pciutils', 'nvidia-container-toolkit'] : ['pciutils'],
      aptSources: withDocker ? [nvidiaContainerToolkitSource] : [],
      writeFiles: [
        {
          path: '/etc/modprobe.d/blacklist-nouveau.conf',
          content: BLACKLIST_NOUVEAU,
          permissions: '0644',
          owner: 'root:root',
        },
      ],
      steps,
      probes: [{ name: 'nvidia-smi', argv: ['nvidia-smi'] }],
      ...(withDocker ? { container: { runArgs: ['--gpus', 'all'] } } : {}),
    };
  },
});
