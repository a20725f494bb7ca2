import { Text } from 'ink';
import { renderMarkdown } from './markdown.ts';

/** Markdown rendered for the terminal by marked-terminal, wrapped to `width`. */
export function Markdown({ text, width }: { text: string; width: number }) {
  return <Text>{renderMarkdown(text, width)}</Text>;
}
