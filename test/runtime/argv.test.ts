// The plan as the shim's argv: the format native/shim.c parses.
import { describe, expect, test } from 'vitest';
import { planArguments, planEnvironment } from '../../solutions/src/shim/argv.ts';

describe('planArguments', () => {
  test('version, flags, stdin, then four sections of name, count, and ops of name, count, arguments', () => {
    const args = planArguments({
      namespaces: ['uts'],
      cloneFlags: 0x04000000,
      stdin: 'null',
      steps: [
        { op: 'sethostname', name: 'box' },
        { op: 'exec', argv: ['sh', '-c', 'echo "a b"'], env: ['PATH=/bin'], search: '/bin' },
      ],
      host: {
        created: [{ op: 'write', path: '/s/pid', content: '{pid}\n' }],
        ended: [{ op: 'unlink', path: '/s/pid' }, { op: 'rmdir', path: '/s' }],
        failed: [],
      },
    });
    expect(args).toEqual([
      '1', '67108864', 'null',
      'container', '2', 'sethostname', '1', 'box', 'exec', '5', '/bin', '3', 'sh', '-c', 'echo "a b"',
      'created', '1', 'write', '2', '/s/pid', '{pid}\n',
      'ended', '2', 'unlink', '1', '/s/pid', 'rmdir', '1', '/s',
      'failed', '0',
    ]);
  });

  test('the environment is not in argv (anyone can read /proc/<pid>/cmdline) but the shim\'s own', () => {
    const plan = {
      namespaces: [],
      cloneFlags: 0,
      stdin: 'null' as const,
      steps: [{ op: 'exec' as const, argv: ['env'], env: ['PATH=/bin', 'PASSWORD=a=b c'], search: '/bin' }],
      host: { created: [], ended: [], failed: [] },
    };
    expect(planArguments(plan).join(' ')).not.toContain('PASSWORD');
    expect(planEnvironment(plan)).toEqual({ PATH: '/bin', PASSWORD: 'a=b c' });
  });

  test('empty arguments stay as empty strings (the kernel gets NULL)', () => {
    const args = planArguments({
      namespaces: [],
      cloneFlags: 0,
      stdin: 'inherit',
      steps: [{ op: 'mount', source: '', target: '/', fstype: '', flags: 0x44000, data: '' }],
      host: { created: [], ended: [], failed: [] },
    });
    expect(args.slice(3, 12)).toEqual(['container', '1', 'mount', '5', '', '/', '', String(0x44000), '']);
  });
});
