// Durations and times the way docker prints and reads them.

/**
 * docker's wording for an elapsed time (go-units HumanDuration), in `ps`'s CREATED ("5 seconds ago")
 * and STATUS ("Up 3 seconds", "Exited (137) 2 minutes ago") columns. Hours round to the nearest; the
 * rest round down, as in go-units.
 */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(milliseconds / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(milliseconds / 3_600_000 / 24 / 365)} years`;
}

const UNIT_NANOSECONDS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration ("10m", "1h30m", "1.5h", "-5s"): nanoseconds, or undefined if it is not one. */
export function parseGoDuration(text: string): bigint | undefined {
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return text === '0' ? 0n : undefined;
  let total = 0n;
  for (const [, number, unit] of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    const [whole = '0', fraction = ''] = number!.split('.');
    const scale = UNIT_NANOSECONDS[unit!]!;
    const digits = fraction.slice(0, 18);
    total += BigInt(whole || '0') * scale + (BigInt(digits || '0') * scale) / 10n ** BigInt(digits.length);
  }
  return match[1] === '-' ? -total : total;
}

/** Nanoseconds since the epoch of an RFC 3339 time with any number of fraction digits. */
export function parseRfc3339(text: string): bigint | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const milliseconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(milliseconds)) return undefined;
  return BigInt(milliseconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * docker's `--since`: a Go duration before now ("10m", "1h30m"), an RFC 3339 time (with or without
 * fractions; without a zone it is local time, as docker reads it), a date alone (2006-01-02, local
 * midnight), or Unix seconds[.nanoseconds]. Nanoseconds since the epoch; undefined for anything else.
 */
export function parseSince(text: string, nowMilliseconds: number): bigint | undefined {
  const duration = parseGoDuration(text);
  if (duration !== undefined && text !== '0') return BigInt(nowMilliseconds) * 1_000_000n - duration;
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const zoned = parseRfc3339(text);
  if (zoned !== undefined) return zoned;
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (!local) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = local;
  const date = new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number.isNaN(date.getTime()) || date.getDate() !== Number(day)) return undefined;
  return BigInt(date.getTime()) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/** docker's `logs -t` stamp: RFC 3339 in UTC with exactly nine fraction digits (RFC3339NanoFixed). */
export function fixedNanoTime(nanoseconds: bigint): string {
  const milliseconds = nanoseconds / 1_000_000n;
  const iso = new Date(Number(milliseconds)).toISOString(); // 2026-12-02T01:02:03.123Z
  const fraction = (((nanoseconds % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}
