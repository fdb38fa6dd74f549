/**
 * The ```console blocks of a Markdown file: each `$ ` line is a command, the lines under it
 * (up to the next `$ ` line) are what it prints. The HTML comment on the line directly above
 * the block says how the docs test treats it (see console-check.ts).
 */

export interface ConsoleCommand {
  /** 1-based line of the `$ ` line in the Markdown file. */
  line: number;
  /** The command as written, without `$ `. */
  text: string;
  /** The printed lines, trailing blank lines dropped. */
  expected: string[];
}

export interface ConsoleBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The text of the `<!-- ... -->` comment directly above the fence, or null. */
  comment: string | null;
  commands: ConsoleCommand[];
  /** Lines before the first `$ ` line: output with no command to check it against. */
  orphans: string[];
}

const FENCE = /^(`{3,})(.*)$/;
const COMMENT = /^<!--\s*(.*?)\s*-->$/;

/**
 * @example consoleBlocks('<!-- x -->\n```console\n$ npm run check\nOK\n```\n', 'a.md')[0].commands[0].expected // ['OK']
 */
export function consoleBlocks(markdown: string, file: string): ConsoleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ConsoleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith(fence)) end++;
    if ((open[2] ?? '').trim() === 'console') {
      const comment = COMMENT.exec(lines[i - 1] ?? '')?.[1] ?? null;
      blocks.push({ file, line: i + 1, comment, ...commandsOf(lines.slice(i + 1, end), i + 2) });
    }
    i = end;
  }
  return blocks;
}

/** Splits a block's body into commands and their output; `first` is the body's first line number. */
function commandsOf(body: string[], first: number): Pick<ConsoleBlock, 'commands' | 'orphans'> {
  const commands: ConsoleCommand[] = [];
  const orphans: string[] = [];
  body.forEach((text, index) => {
    const current = commands.at(-1);
    if (text.startsWith('$ ')) commands.push({ line: first + index, text: text.slice(2), expected: [] });
    else if (current) current.expected.push(text);
    else if (text.trim() !== '') orphans.push(text);
  });
  for (const command of commands) {
    while (command.expected.at(-1)?.trim() === '') command.expected.pop();
  }
  return { commands, orphans };
}
