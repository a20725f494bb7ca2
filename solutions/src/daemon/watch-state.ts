// Waiting for a container's state to become something (ended, gone, started again), as the store
// derives it: each look is the store's own (reconcile included, so a shim that died is seen as the
// end it is), and between looks the wait sleeps on inotify (changes.ts).
import type { ContainerState, StateStore } from '../state/store.ts';
import { watchChange } from '../state/changes.ts';

/** The longest a wait sleeps without a change: what inotify cannot see (a shim killed) is seen then. */
const LOOK_AGAIN_MS = 200;

export async function untilState(
  store: StateStore,
  id: string,
  reached: (state: ContainerState | undefined) => boolean,
  signal?: AbortSignal,
): Promise<ContainerState | undefined> {
  for (;;) {
    const change = watchChange(store.dir(id), LOOK_AGAIN_MS, signal, isLog);
    const state = store.get(id);
    if (reached(state) || signal?.aborted) {
      change.cancel();
      return state;
    }
    await change.done;
  }
}

/**
 * The container's log grows with every line it prints, and says nothing of its state (the shim
 * records that in files of their own): a wait on a container that prints would otherwise look at
 * the state again for each line.
 */
export const isLog = (name: string): boolean => name.endsWith('-json.log');

/** Ended: exited (its code recorded) or gone. */
export const ended = (state: ContainerState | undefined): boolean => state === undefined || state.status === 'exited';
export const gone = (state: ContainerState | undefined): boolean => state === undefined;
