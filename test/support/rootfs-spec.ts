// One container with an image, as run.ts describes it to setUpContainer: an overlay of two lower
// layers, the three /etc files and a `:ro` volume, under a state root at /state. For plan tests.
import type { RootfsSpec } from '../../solutions/src/container/setup.ts';

export function sampleRootfs(workingDir = '/'): RootfsSpec {
  return {
    storeRoot: '/state',
    layers: { lower: ['layers/base', 'containers/c/init'], upper: 'containers/c/upper', work: 'containers/c/work' },
    target: '/state/containers/c/rootfs',
    etcFiles: {
      hostname: '/state/containers/c/hostname',
      hosts: '/state/containers/c/hosts',
      resolvConf: '/state/containers/c/resolv.conf',
    },
    volumes: [{ source: '/srv', target: '/data', readOnly: true }],
    workingDir,
  };
}
