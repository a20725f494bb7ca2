// docker's names for containers run without --name (moby's pkg/namesgenerator): an adjective and
// the surname of a notable scientist or hacker, `adjective_surname`, such as `focused_hopper`. A
// selection of docker's two lists, so that names look as they do under docker.
//
// Where it is called (run, at create time): a name is reserved atomically by the store, so the
// caller tries `randomName(0)`, then `randomName(1)`, ... until a reservation succeeds; from the
// second try on a digit is added (as docker does), which makes a clash after a few tries unlikely.

export const ADJECTIVES: readonly string[] = [
  'admiring adoring affectionate amazing awesome beautiful blissful bold boring brave busy charming',
  'clever compassionate competent condescending confident cool cranky crazy dazzling determined',
  'distracted dreamy eager ecstatic elastic elated elegant eloquent epic exciting fervent festive',
  'flamboyant focused friendly frosty funny gallant gifted goofy gracious great happy hardcore',
  'heuristic hopeful hungry infallible inspiring intelligent interesting jolly jovial keen kind',
  'laughing loving lucid magical modest musing mystifying naughty nervous nice nifty nostalgic',
  'objective optimistic peaceful pedantic pensive practical priceless quirky quizzical recursing',
  'relaxed reverent romantic sad serene sharp silly sleepy stoic strange stupefied suspicious sweet',
  'tender thirsty trusting unruffled upbeat vibrant vigilant vigorous wizardly wonderful',
  'xenodochial youthful zealous zen',
]
  .join(' ')
  .split(' ');

export const SURNAMES: readonly string[] = [
  'agnesi albattani allen archimedes babbage banach bardeen bartik bell bhabha blackburn bohr booth',
  'borg bose brahmagupta brattain brown carson cerf chandrasekhar chatelet clarke curie darwin',
  'diffie dijkstra einstein elion engelbart euclid euler fermat fermi feynman franklin galileo',
  'gauss goldberg goldwasser goodall hamilton hawking heisenberg hertz hodgkin hofstadter hopper',
  'hypatia johnson kalam kepler khorana knuth kowalevski lalande lamarr lamport leakey lovelace',
  'lumiere mahavira mayer mccarthy mcclintock meitner mendel merkle mirzakhani morse murdock napier',
  'newton nobel noether noyce pasteur payne perlman pike poincare ptolemy raman ramanujan ride',
  'ritchie roentgen rosalind saha sammet shannon shockley sinoussi stallman swartz tesla thompson',
  'torvalds turing varahamihira visvesvaraya volhard wescoff wiles williams wilson wing wozniak',
  'wright yalow yonath',
]
  .join(' ')
  .split(' ');

/** A name such as `focused_hopper`; from `retry` 1 on, with a digit (docker's GetRandomName). */
export function randomName(retry: number, random: () => number = Math.random): string {
  const pick = (words: readonly string[]): string => words[Math.floor(random() * words.length)]!;
  const name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
  // docker's own rule, kept: "Steve Wozniak is not boring".
  if (name === 'boring_wozniak') return randomName(retry, random);
  return retry > 0 ? `${name}${Math.floor(random() * 10)}` : name;
}
