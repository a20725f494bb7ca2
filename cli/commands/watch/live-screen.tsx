// The live screen of `lab watch`: ink renders WatchScreen in one region, redrawn in place, and turns
// the keys into the loop's key events. The terminal is cleared once, at the start, so that the region
// starts at the top and nothing of what came before scrolls with it.
import { render, useInput } from 'ink';
import { WatchScreen } from './WatchView.tsx';
import type { WatchKey, WatchState } from './watch-state.ts';

/** Erase the screen and put the cursor at its top left (ECMA-48 ED 2, CUP). */
export const CLEAR_SCREEN = '\u001b[2J\u001b[H';

const KEYS: Record<string, WatchKey> = { h: 'hint', n: 'next', l: 'list', q: 'quit' };

export function WatchApp({ state, onKey }: { state: WatchState; onKey: (key: WatchKey) => void }) {
  useInput((input, key) => {
    // Ctrl-C is q: in raw mode the terminal sends it as a key, not as SIGINT.
    if (key.ctrl && input === 'c') return onKey('quit');
    const mapped = KEYS[input.toLowerCase()];
    if (mapped) onKey(mapped);
  });
  return <WatchScreen state={state} />;
}

export interface WatchScreenHandle {
  show(state: WatchState): void;
  /** Waits for the last frame and leaves it on the terminal, below it the shell's prompt. */
  close(): Promise<void>;
}

export function openWatchScreen(state: WatchState, onKey: (key: WatchKey) => void): WatchScreenHandle {
  process.stdout.write(CLEAR_SCREEN);
  // Interactive whatever CI says (ink turns redrawing off when CI is set): lab watch runs only on a terminal.
  const instance = render(<WatchApp state={state} onKey={onKey} />, {
    patchConsole: false,
    exitOnCtrlC: false,
    interactive: true,
  });
  return {
    show: (next) => instance.rerender(<WatchApp state={next} onKey={onKey} />),
    close: async () => {
      await instance.waitUntilRenderFlush();
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
