// The manifest's shape, fast and without root (the dev check proves the rest on real runs).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { allLabs, chapterOf, chapters, findLab } from '../chapters/manifest.ts';
import { projectRoot } from '../scripts/build.mjs';

describe('the manifest', () => {
  test('chapters are numbered 0, 1, 2, ... and ready ones come before coming ones', () => {
    expect(chapters.map((c) => c.number)).toEqual(chapters.map((_, i) => i));
    const firstComing = chapters.findIndex((c) => c.status === 'coming');
    // No coming chapter at all (findIndex: -1) is fine; slice(-1) would take the last, ready one.
    const coming = firstComing === -1 ? [] : chapters.slice(firstComing);
    expect(coming.every((c) => c.status === 'coming')).toBe(true);
  });

  test("a ready chapter's text starts with its number and title, as labs.yaml writes them", () => {
    for (const chapter of chapters.filter((c) => c.status === 'ready')) {
      const heading = readFileSync(join(projectRoot, chapter.text!), 'utf8').split('\n')[0];
      expect(heading, chapter.text).toBe(`# Chapter ${chapter.number} — ${chapter.title}`);
    }
  });

  test.each(allLabs().map((lab) => [lab.id, lab] as const))(
    '%s: ids, files, spec and hints hold together',
    (id, lab) => {
      expect(id).toMatch(new RegExp(`^ch${chapterOf(lab).number}-[a-z-]+$`));
      expect(findLab(id)).toBe(lab);
      expect(lab.hints.length).toBeGreaterThanOrEqual(2);
      expect(existsSync(join(projectRoot, lab.spec))).toBe(true);
      expect(readFileSync(join(projectRoot, lab.spec), 'utf8')).toContain(`describeLab('${id}'`);
      for (const file of lab.files) {
        const stub = readFileSync(join(projectRoot, 'labs', file), 'utf8');
        for (const fn of lab.functions) expect(stub).toMatch(new RegExp(`function\\*? ?${fn}\\b`));
      }
    },
  );

  test('every check names a hint that exists', () => {
    for (const lab of allLabs()) {
      const hints = [...readFileSync(join(projectRoot, lab.spec), 'utf8').matchAll(/hint: (\d+)/g)].map((m) =>
        Number(m[1]),
      );
      expect(hints.length, `${lab.id} has checks`).toBeGreaterThan(0);
      for (const hint of hints)
        expect(hint, `${lab.id}: hint ${hint} of ${lab.hints.length}`).toBeLessThanOrEqual(lab.hints.length);
    }
  });

  test("a spec shows only its own lab's checks: it imports no other spec (shared helpers live in checker/harness)", () => {
    for (const lab of allLabs()) {
      const imports = [...readFileSync(join(projectRoot, lab.spec), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1]!,
      );
      expect(
        imports.filter((path) => path.endsWith('.spec.ts')),
        `${lab.spec} imports`,
      ).toEqual([]);
    }
  });
});
