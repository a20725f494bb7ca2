// Signal names as docker reads them (moby's signal.ParseSignal): a number, or a name with or without
// SIG, in any case ("kill", "SIGKILL", "9"). Node's os.constants.signals is the table of this kernel's.
import { constants } from 'node:os';

/** The signal's number, or undefined for no such signal (docker: "Invalid signal: NOSUCH"). */
export function parseSignal(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    return number >= 1 && number <= 64 ? number : undefined;
  }
  const name = `SIG${text.toUpperCase().replace(/^SIG/, '')}` as keyof typeof constants.signals;
  return Object.hasOwn(constants.signals, name) ? constants.signals[name] : undefined;
}
