// The whole course as data: every chapter, and for ready ones each lab with where the learner stands.
import type { Chapter } from '../../../chapters/manifest.ts';
import { hasPassed, type Progress } from '../../progress/progress.ts';
import { currentLab } from '../../session.ts';

export type LabMark = 'passed' | 'current' | 'pending';

export interface CourseLab {
  id: string;
  title: string;
  mark: LabMark;
}

export interface CourseChapter {
  number: number;
  title: string;
  status: Chapter['status'];
  labs: CourseLab[];
}

export interface Course {
  chapters: CourseChapter[];
  done: number;
  total: number;
}

export function courseOf(chapters: readonly Chapter[], progress: Progress): Course {
  const current = currentLab(progress, chapters)?.id;
  const markOf = (id: string): LabMark => (hasPassed(progress, id) ? 'passed' : id === current ? 'current' : 'pending');
  const course = chapters.map((chapter) => ({
    number: chapter.number,
    title: chapter.title,
    status: chapter.status,
    labs:
      chapter.status === 'ready'
        ? chapter.labs.map((lab) => ({ id: lab.id, title: lab.title, mark: markOf(lab.id) }))
        : [],
  }));
  const labs = course.flatMap((chapter) => chapter.labs);
  return { chapters: course, done: labs.filter((lab) => lab.mark === 'passed').length, total: labs.length };
}
