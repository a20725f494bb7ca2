// A netfilter rule as data, and the text iptables-restore reads and iptables-save prints. The
// runtime's own chains and what is in each: network/iptables.ts.

export type Table = 'nat' | 'filter';

/** One rule: `-A CHAIN ARGS...` in `table`, the arguments as iptables-save prints them. */
export interface Rule {
  table: Table;
  chain: string;
  args: string[];
  /**
   * Inserted at the top of its chain (`-I`) instead of appended (`-A`): the first rule that matches
   * decides, so a DROP that must win over the accepts already there goes first.
   */
  first?: boolean;
}

/** A rule written as iptables-save prints it: `rule('nat', 'MYDOCKER', '-p tcp -m tcp --dport 80 -j DNAT ...')`. */
export function rule(table: Table, chain: string, args: string, first?: 'first'): Rule {
  return { table, chain, args: args.split(' ').filter(Boolean), ...(first && { first: true }) };
}

export const CHAINS = {
  /** nat: DNAT of published ports, jumped from PREROUTING and OUTPUT for local destinations. */
  dnat: 'MYDOCKER',
  /** nat: MASQUERADE of a network's traffic out, hairpin, 127.0.0.1 as a source. */
  postrouting: 'MYDOCKER-POSTROUTING',
  /** filter: isolation between networks, then the accepts. */
  forward: 'MYDOCKER-FORWARD',
  /** filter: what the host itself must not take from a network (loopback-guard.ts). */
  input: 'MYDOCKER-INPUT',
} as const;

/** The chains of each table. */
const OWN_CHAINS: Record<Table, string[]> = {
  nat: [CHAINS.dnat, CHAINS.postrouting],
  filter: [CHAINS.forward, CHAINS.input],
};

/** The jumps every network needs, whatever the labs say: into MYDOCKER-POSTROUTING, -FORWARD and -INPUT. */
export const BASE_JUMPS: readonly Rule[] = [
  { table: 'nat', chain: 'POSTROUTING', args: ['-j', CHAINS.postrouting] },
  // First in FORWARD, as docker's: before a host firewall's own DROP.
  { table: 'filter', chain: 'FORWARD', args: ['-j', CHAINS.forward], first: true },
  // First in INPUT: a DROP that must win over a host firewall's ACCEPT.
  { table: 'filter', chain: 'INPUT', args: ['-j', CHAINS.input], first: true },
];

/** The comment that names a container's rules. */
export function containerTag(containerId: string): string {
  return `mydocker-${containerId.slice(0, 12)}`;
}

/** The rule with its owner's comment, before its target (where iptables-save prints a comment). */
export function tagged(rule: Rule, tag: string): Rule {
  const target = rule.args.indexOf('-j');
  const at = target < 0 ? rule.args.length : target;
  return { ...rule, args: [...rule.args.slice(0, at), '-m', 'comment', '--comment', tag, ...rule.args.slice(at)] };
}

/** `-A CHAIN ARGS` (or -D, -I), as iptables-save prints a rule; an argument with a blank is quoted. */
export function ruleLine(rule: Rule, command: '-A' | '-D' | '-I' = '-A'): string {
  const quoted = rule.args.map((arg) => (/[\s"]/.test(arg) ? JSON.stringify(arg) : arg));
  return [command, rule.chain, ...quoted].join(' ');
}

/**
 * iptables-restore input (with --noflush: added to the tables, or deleted from them): per table,
 * `*table`, the chains to declare, the rules, COMMIT. Declaring a chain (`:NAME - [0:0]`) that
 * exists would flush it, so only missing chains are declared.
 */
export function restoreInput(
  rules: readonly Rule[],
  command: '-A' | '-D' | '-I' = '-A',
  declare: readonly { table: Table; chain: string }[] = [],
): string {
  let text = '';
  for (const table of ['nat', 'filter'] as const) {
    const chains = declare.filter((chain) => chain.table === table);
    const lines = rules.filter((rule) => rule.table === table);
    if (chains.length === 0 && lines.length === 0) continue;
    text += `*${table}\n`;
    for (const chain of chains) text += `:${chain.chain} - [0:0]\n`;
    for (const rule of lines) text += `${ruleLine(rule, rule.first && command === '-A' ? '-I' : command)}\n`;
    text += 'COMMIT\n';
  }
  return text;
}

/** What iptables-save shows: per table, its chains and its rules' lines (`-A ...`). */
export interface Tables {
  chains: Set<string>; // `table chain`
  lines: Set<string>; // `table -A CHAIN ...`
  text: string;
}

export function parseSave(text: string): Tables {
  const tables: Tables = { chains: new Set(), lines: new Set(), text };
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) tables.chains.add(`${table} ${line.slice(1).split(' ')[0]}`);
    else if (line.startsWith('-A ')) tables.lines.add(`${table} ${line}`);
  }
  return tables;
}

export function hasRule(tables: Tables, rule: Rule): boolean {
  return tables.lines.has(`${rule.table} ${ruleLine(rule)}`);
}

/** The saved rules in the runtime's chains (or jumping into them) whose words pass `test`, to delete them. */
export function savedRules(tables: Tables, test: (words: string[]) => boolean): Rule[] {
  const ours = new Set<string>(Object.values(CHAINS));
  const rules: Rule[] = [];
  let table = '';
  for (const line of tables.text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ')) {
      const words = splitLine(line);
      const [, chain = '', ...args] = words;
      const target = args[args.indexOf('-j') + 1] ?? '';
      if ((ours.has(chain) || ours.has(target)) && test(words)) rules.push({ table: table as Table, chain, args });
    }
  }
  return rules;
}

/** A saved line's words: blanks split, a double-quoted word (a comment) keeps its blanks. */
function splitLine(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  }
  return words;
}

/** The chain declarations missing from `tables`. */
export function missingChains(tables: Tables): { table: Table; chain: string }[] {
  return (Object.keys(OWN_CHAINS) as Table[]).flatMap((table) =>
    OWN_CHAINS[table].filter((chain) => !tables.chains.has(`${table} ${chain}`)).map((chain) => ({ table, chain })),
  );
}
