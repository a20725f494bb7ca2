// The qemu command line of the micro-VM, in one place. Every device is named here; nothing comes from
// qemu's defaults (-nodefaults): no network card, no disk, no display, no monitor.
//
//   9p  "host"     the host's / , read-only         → the guest's root (vm/init.sh, stage 1)
//   9p  "results"  a host directory, read-write     → the same path in the guest
//   virtio ports   stdout, stderr, status           → unix sockets the runner listens on
//   serial ttyS0   the kernel's and init's console  → a unix socket (shown on failure, or --verbose)

/** The runner's channels: one unix socket each, in the run directory. */
export const CHANNELS = ['stdout', 'stderr', 'status', 'console'];

/** qemu's option syntax doubles a comma inside a value. @param {string} text */
function value(text) {
  return text.replaceAll(',', ',,');
}

/**
 * @param {{ kernel: string, initramfs: string, cmdline: string, resultsDir: string,
 *   sockets: Record<string, string | undefined>, accel: 'tcg' | 'kvm', cpus: number, memoryMiB: number }} options
 */
export function qemuArgs({ kernel, initramfs, cmdline, resultsDir, sockets, accel, cpus, memoryMiB }) {
  /** One [option, value] per line: prettier keeps them that way, and they read like a command line. */
  const options = [
    ['-machine', 'pc'],
    // Under TCG, -cpu max offers every instruction qemu can emulate (Node's binary and the kernel's
    // RNG want a modern CPU: SSE4.2, RDRAND); under KVM, the host's CPU is passed through.
    ...(accel === 'kvm'
      ? [
          ['-accel', 'kvm'],
          ['-cpu', 'host'],
        ]
      : [
          ['-accel', 'tcg,thread=multi'],
          ['-cpu', 'max'],
        ]),
    ['-smp', String(cpus)],
    ['-m', `${memoryMiB}M`],
    ['-nic', 'none'],
    ['-kernel', kernel],
    ['-initrd', initramfs],
    ['-append', cmdline],
    // multidevs=remap: / spans several host filesystems, whose inode numbers could otherwise collide.
    ['-fsdev', 'local,id=host,path=/,security_model=none,readonly=on,multidevs=remap'],
    ['-device', 'virtio-9p-pci,fsdev=host,mount_tag=host'],
    ['-fsdev', `local,id=results,path=${value(resultsDir)},security_model=none`],
    ['-device', 'virtio-9p-pci,fsdev=results,mount_tag=results'],
    ['-device', 'virtio-serial-pci,id=ports'],
    ...CHANNELS.map((name) => ['-chardev', `socket,id=${name},path=${value(sockets[name] ?? '')}`]),
    ...['stdout', 'stderr', 'status'].map((name) => [
      '-device',
      `virtserialport,bus=ports.0,chardev=${name},name=${name}`,
    ]),
    ['-serial', 'chardev:console'],
  ];
  return ['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', ...options.flat()];
}
