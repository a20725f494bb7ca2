// The wire format shared with native/shim.c.
import { describe, expect, test } from 'vitest';
import { encodeFrame, encodePlan, FrameReader } from '../../solutions/src/shim/protocol.ts';

function fields(frame: Buffer): string[] {
  expect(frame.readUInt32LE(0)).toBe(frame.length - 4);
  return frame.subarray(4).toString('utf8').split('\0').slice(0, -1);
}

describe('the shim protocol', () => {
  test('a plan is PLAN, the flags, then each step as name, count, arguments', () => {
    const frame = encodePlan({
      namespaces: ['uts'],
      cloneFlags: 0x04000000,
      steps: [
        { op: 'sethostname', name: 'box' },
        { op: 'exec', argv: ['sh', '-c', 'echo "a b"'], env: ['PATH=/bin'], search: '/bin' },
      ],
    });
    expect(fields(frame)).toEqual(['PLAN', '67108864', 'sethostname', '1', 'box', 'exec', '6', '/bin', '3', 'sh', '-c', 'echo "a b"', 'PATH=/bin']);
  });

  test('empty arguments survive as empty fields (the kernel gets NULL)', () => {
    const frame = encodePlan({ namespaces: [], cloneFlags: 0, steps: [{ op: 'mount', source: '', target: '/', fstype: '', flags: 0x44000, data: '' }] });
    expect(fields(frame)).toEqual(['PLAN', '0', 'mount', '5', '', '/', '', String(0x44000), '']);
  });

  test('the reader reassembles messages split across chunks and several in one chunk', () => {
    const bytes = Buffer.concat([encodeFrame(['PID', '4242']), encodeFrame(['STARTED']), encodeFrame(['FAILED', '2', 'mount', '/proc', '1'])]);
    const reader = new FrameReader();
    const messages = [...reader.push(bytes.subarray(0, 5)), ...reader.push(bytes.subarray(5, 17)), ...reader.push(bytes.subarray(17))];
    expect(messages).toEqual([
      { type: 'PID', pid: 4242 },
      { type: 'STARTED' },
      { type: 'FAILED', step: 2, op: 'mount', subject: '/proc', errno: 1 },
    ]);
  });

  test('an unknown message is an error, not silently ignored', () => {
    expect(() => new FrameReader().push(encodeFrame(['HELLO']))).toThrow(/unknown message/);
  });
});
