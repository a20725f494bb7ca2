// The wire format shared with native/shim.c: each frame is a 4-byte little-endian length, then
// NUL-terminated fields; the first field names the message. See the diagram at the top of shim.c.
import type { Plan, Step } from '../kernel/plan.ts';

/** What the shim tells the runtime, as a closed union. */
export type ShimMessage =
  | { type: 'PID'; pid: number }
  | { type: 'STARTED' }
  | { type: 'FAILED'; step: number; op: string; subject: string; errno: number }
  | { type: 'EXITED'; code: number }
  | { type: 'SIGNALED'; signal: number };

export function encodeFrame(fields: readonly string[]): Buffer {
  const payload = Buffer.from(fields.map((field) => field + '\0').join(''), 'utf8');
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

/** PLAN flags, then each step as: name, argument count, arguments. */
export function encodePlan(plan: Plan): Buffer {
  const fields = ['PLAN', String(plan.cloneFlags)];
  for (const step of plan.steps) {
    const args = stepArguments(step);
    fields.push(step.op, String(args.length), ...args);
  }
  return encodeFrame(fields);
}

function stepArguments(step: Step): string[] {
  switch (step.op) {
    case 'mount':
      return [step.source, step.target, step.fstype, String(step.flags), step.data];
    case 'sethostname':
      return [step.name];
    case 'exec':
      return [step.search, String(step.argv.length), ...step.argv, ...step.env];
  }
}

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameReader {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): ShimMessage[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const messages: ShimMessage[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32LE(0);
      if (this.pending.length < 4 + length) break;
      const fields = this.pending.subarray(4, 4 + length).toString('utf8').split('\0').slice(0, -1);
      this.pending = this.pending.subarray(4 + length);
      messages.push(decodeMessage(fields));
    }
    return messages;
  }
}

export function decodeMessage(fields: string[]): ShimMessage {
  const [type, a = '', b = '', c = '', d = ''] = fields;
  switch (type) {
    case 'PID':
      return { type, pid: Number(a) };
    case 'STARTED':
      return { type };
    case 'FAILED':
      return { type, step: Number(a), op: b, subject: c, errno: Number(d) };
    case 'EXITED':
      return { type, code: Number(a) };
    case 'SIGNALED':
      return { type, signal: Number(a) };
    default:
      throw new Error(`unknown message from the shim: ${JSON.stringify(fields)}`);
  }
}
