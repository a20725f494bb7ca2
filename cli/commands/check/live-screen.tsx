// The live screen of `lab check`, in a module of its own: ink and react load only once the checker
// has been started (cli/commands/check/index.tsx), so that their loading and the first frame overlap
// vitest's start instead of coming before it.
import { render } from 'ink';
import type { CheckState } from './check-data.ts';
import { CheckScreen } from './CheckView.tsx';

export interface LiveScreen {
  show(state: CheckState): void;
  /** Waits for the last frame, then leaves the terminal as ink found it. */
  close(): Promise<void>;
  /** Ends the screen at once, leaving no frame behind: for an error, which lab prints as one line. */
  abort(): void;
}

export function openLiveScreen(state: CheckState): LiveScreen {
  const instance = render(<CheckScreen state={state} />, { patchConsole: false, exitOnCtrlC: false });
  return {
    show: (next) => instance.rerender(<CheckScreen state={next} />),
    close: async () => {
      await instance.waitUntilRenderFlush();
      instance.unmount();
      await instance.waitUntilExit();
    },
    abort: () => {
      instance.clear();
      instance.unmount();
    },
  };
}
