// The width text is wrapped to, in a module of its own: `lab next` needs it before ink is loaded.

/** The terminal's width, or 100 columns when writing to a file or pipe. */
export function terminalWidth(): number {
  return process.stdout.columns || 100;
}
