// lab doctor's screens at a fixed width.
import { render } from 'ink-testing-library';
import { expect, test } from 'vitest';
import { DoctorSummary, DoctorView } from '../../cli/commands/doctor/DoctorView.tsx';
import type { ProbeResult } from '../../cli/commands/doctor/probes.ts';

const probes: ProbeResult[] = [
  { name: 'root on Linux', ok: true, detail: 'running as root' },
  { name: 'overlayfs', ok: false, detail: 'not in /proc/filesystems', fix: 'modprobe overlay' },
];

test('each finding on a line, a problem with its fix under it, and the count', () => {
  const { lastFrame, unmount } = render(<DoctorView probes={probes} />);
  expect(lastFrame()).toBe(
    [
      '✓ root on Linux  running as root',
      '✗ overlayfs      not in /proc/filesystems',
      '                 fix: modprobe overlay',
      '',
      '1 problem: run the fix shown, then `lab doctor` again',
    ].join('\n'),
  );
  unmount();
});

test('the short form says all is well in one line', () => {
  const { lastFrame, unmount } = render(<DoctorSummary probes={[probes[0]!]} />);
  expect(lastFrame()).toBe('✓ lab doctor: all 1 checks of this machine ok');
  unmount();
});
