import { Fragment, type ReactNode } from "react";
import { CodeBlock } from "./CodeBlock";

/**
 * The little Markdown a server writes for people (an export's DEPLOY.md): headings, paragraphs,
 * bullet lists, fenced code blocks (each with a copy button) and inline `code`. Headings start at
 * ``level`` (an h1 of the file is an h``level`` on the page). Text stays text: nothing is parsed as HTML.
 */
export function Markdown({ text, level = 4 }: { text: string; level?: number }) {
  return <div className="markdown">{blocks(text).map((block, i) => render(block, i, level))}</div>;
}

type Block =
  | { kind: "heading"; depth: number; text: string }
  | { kind: "code"; language: string; code: string }
  | { kind: "list"; items: string[] }
  | { kind: "paragraph"; text: string };

const FENCE = /^```\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const ITEM = /^\s*[-*]\s+(.*)$/;

function blocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) out.push({ kind: "paragraph", text: paragraph.join(" ") });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    const heading = HEADING.exec(line);
    const item = ITEM.exec(line);
    if (fence) {
      endParagraph();
      const code: string[] = [];
      while (++i < lines.length && !/^```\s*$/.test(lines[i])) code.push(lines[i]);
      out.push({ kind: "code", language: fence[1], code: code.join("\n") });
    } else if (heading) {
      endParagraph();
      out.push({ kind: "heading", depth: heading[1].length, text: heading[2] });
    } else if (item) {
      endParagraph();
      const last = out[out.length - 1];
      if (last?.kind === "list") last.items.push(item[1]);
      else out.push({ kind: "list", items: [item[1]] });
    } else if (line.trim()) {
      paragraph.push(line.trim());
    } else {
      endParagraph();
    }
  }
  endParagraph();
  return out;
}

function render(block: Block, key: number, level: number): ReactNode {
  switch (block.kind) {
    case "heading": {
      const Tag = `h${Math.min(6, level + block.depth - 1)}` as "h4";
      return <Tag key={key}>{inline(block.text)}</Tag>;
    }
    case "code":
      return <CodeBlock key={key} code={block.code} language={block.language} />;
    case "list":
      return (
        <ul key={key}>
          {block.items.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </ul>
      );
    default:
      return <p key={key}>{inline(block.text)}</p>;
  }
}

/** `code` spans; the rest as it is. */
function inline(text: string): ReactNode {
  return text.split(/(`[^`]+`)/).map((part, i) =>
    part.startsWith("`") && part.endsWith("`") && part.length > 1 ? (
      <code key={i}>{part.slice(1, -1)}</code>
    ) : (
      <Fragment key={i}>{part}</Fragment>
    ),
  );
}
