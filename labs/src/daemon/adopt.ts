// Lab ch8-adopt: what a daemon that starts (again, maybe after a kill -9) does with the containers
// it finds in the state store (docker's live-restore). They are not its children and never were: the
// shims left its session, and the store, reconciled with the kernel, says what each is now. The
// daemon owes them only what it had promised: docker's AutoRemove (`docker run --rm`), which the
// daemon carries out itself once a container ended, so that a wait still gets the exit code.

/** What the daemon needs of a container to adopt it (the store's ContainerState has these). */
export interface Adoptable {
  id: string;
  status: 'created' | 'running' | 'exited';
  /** Started through the daemon with HostConfig.AutoRemove. */
  autoRemove?: boolean;
}

/**
 * keep: nothing to do (it runs, or it ended and stays until someone removes it);
 * remove: remove it now; remove-when-ended: watch it, and remove it once it has ended;
 * kill: end it (nothing in this runtime asks for that).
 */
export type Adoption = 'keep' | 'remove' | 'remove-when-ended' | 'kill';

export function adoptionOf(container: Adoptable): Adoption {
  // TODO(ch8-adopt): every container is kept as it is found, so a `docker run --rm` container that
  // ended while no daemon ran stays in `docker ps -a` for ever, and one still running is never
  // removed when it ends. Which containers did this daemon promise something to, and which are
  // none of its business? What must never happen to a running container because a daemon restarted?
  void container;
  return 'keep';
}
